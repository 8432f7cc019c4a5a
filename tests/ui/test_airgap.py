"""The air-gap check on fake /sys/class trees."""

from pathlib import Path

from signer.airgap import check_air_gap


def _interface(sys_class: Path, name: str, *parts: str) -> Path:
    path = sys_class / "net" / name
    path.mkdir(parents=True)
    for part in parts:
        (path / part).mkdir()
    return path


def test_loopback_only_is_air_gapped(tmp_path: Path) -> None:
    _interface(tmp_path, "lo")
    report = check_air_gap(tmp_path)
    assert report.ok and report.summary() == "no network hardware found"


def test_missing_sysfs_reports_nothing(tmp_path: Path) -> None:
    assert check_air_gap(tmp_path / "absent").ok


def test_every_kind_of_network_hardware_is_reported(tmp_path: Path) -> None:
    _interface(tmp_path, "lo")
    _interface(tmp_path, "wlan0", "wireless")
    (_interface(tmp_path, "eth0") / "type").write_text("1\n")
    gadget = _interface(tmp_path, "usb0", "device")
    driver = tmp_path / "drivers" / "g_ether"
    driver.mkdir(parents=True)
    (gadget / "device" / "driver").symlink_to(driver)
    (tmp_path / "bluetooth" / "hci0").mkdir(parents=True)
    radio = tmp_path / "rfkill" / "rfkill0"
    radio.mkdir(parents=True)
    (radio / "type").write_text("wlan\n")
    (radio / "name").write_text("phy0\n")
    report = check_air_gap(tmp_path)
    assert not report.ok
    found = {(d.name, d.kind) for d in report.devices}
    assert found == {("eth0", "ethernet"), ("usb0", "usb-gadget"), ("wlan0", "wifi"),
                     ("hci0", "bluetooth"), ("phy0", "wifi")}
    assert "wlan0 (wifi)" in report.summary()
