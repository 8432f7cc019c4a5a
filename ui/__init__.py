"""airsign's user interfaces: the appliance (screens, flows, backends) and the CLI."""
