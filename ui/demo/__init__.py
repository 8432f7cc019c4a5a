"""The demo: the whole job on testnet with a throwaway seed and a simulated coordinator."""
