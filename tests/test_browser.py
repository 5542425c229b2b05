"""The page in a real browser: headless Chromium (Debian's chromium and chromium-driver,
installed by .ci/run) on a phone-sized screen, against a real `firecheck serve`, in both
languages. Screenshots go to $FIRECHECK_SCREENSHOTS (else a temporary directory)."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from firecheck import check_file
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

from conftest import EXACT
from serving import server

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("FIRECHECK_CI"):  # .ci/run installs them: their absence is a failure
        raise RuntimeError("chromium and chromium-driver are needed for the browser tests")
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

PHONE = {"width": 390, "height": 844, "pixelRatio": 2}


@pytest.fixture(scope="module")
def base(synthetic_zones_path: Path) -> Iterator[str]:
    with server("--zones", str(synthetic_zones_path)) as served:
        yield served.base


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("FIRECHECK_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    options.add_experimental_option("mobileEmulation", {
        "deviceMetrics": PHONE, "userAgent": "Mozilla/5.0 (Linux; Android 13; firecheck test) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Mobile Safari/537.36"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait(driver, condition, seconds: float = 20):
    return WebDriverWait(driver, seconds).until(condition)


def status_of(driver) -> str:
    return wait(driver, lambda d: d.find_element(By.ID, "status").text)


def shoot(driver, shots: Path, name: str) -> None:
    """The whole page at phone width."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(PHONE["width"], max(PHONE["height"], height))
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(shots / f"{name}.png"))


def page_errors(driver) -> list[str]:
    """Console errors, CSP violations included (the favicon's 404 aside)."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def near_zone(metres: float) -> str:
    lat, lon = EXACT.east_of_edge(metres)
    return f"{lat:.6f},{lon:.6f}"


def test_shared_url_in_chinese_then_english(browser, base: str, shots: Path) -> None:
    query = {"place": near_zone(100), "activity": "bbq", "date": "2023-04-01"}
    browser.get(f"{base}/?{urlencode(query)}")
    assert status_of(browser) == "禁止"
    action = browser.find_element(By.ID, "action")
    assert "12119" in action.text
    calls = browser.find_elements(By.CSS_SELECTOR, "#calls a.call")
    assert calls and calls[0].get_attribute("href") == "tel:12119"
    details = browser.find_element(By.ID, "details").text
    assert "依据" in details and "罚款" in details
    shoot(browser, shots, "phone-zh-prohibited")
    browser.find_element(By.ID, "lang").click()
    wait(browser, lambda d: d.find_element(By.ID, "status").text == "PROHIBITED")
    assert "Why" in browser.find_element(By.ID, "details").text
    assert parse_qs(urlparse(browser.current_url).query)["lang"] == ["en"]
    shoot(browser, shots, "phone-en-prohibited")
    assert page_errors(browser) == []


def test_form_with_a_place_name_and_a_phone_map_datum(browser, base: str, shots: Path) -> None:
    browser.get(f"{base}/?lang=en")
    wait(browser, lambda d: len(Select(d.find_element(By.ID, "activity")).options) > 5)
    assert browser.find_element(By.ID, "submit").text == "Check"
    field = browser.find_element(By.ID, "place")
    field.send_keys("41.06,110.31")
    Select(browser.find_element(By.ID, "datum")).select_by_value("gcj02")
    Select(browser.find_element(By.ID, "activity")).select_by_value("straw-burning")
    browser.execute_script("document.getElementById('date').value = '2023-07-01'")
    browser.find_element(By.ID, "submit").click()
    assert status_of(browser) == "PROHIBITED"
    assert "GCJ02 41.06, 110.31" in browser.find_element(By.ID, "details").text
    shared = parse_qs(urlparse(browser.current_url).query)
    assert shared["datum"] == ["gcj02"] and shared["activity"] == ["straw-burning"]
    browser.get(browser.find_element(By.ID, "share").get_attribute("href"))
    assert status_of(browser) == "PROHIBITED"  # the shared link shows the same verdict
    options = browser.find_elements(By.CSS_SELECTOR, "#place-list option")
    assert any(o.get_attribute("value").startswith("Jinshan") for o in options)
    shoot(browser, shots, "phone-en-gcj02")


def test_geolocation_fills_the_place(browser, base: str, shots: Path) -> None:
    lat, lon = EXACT.east_of_edge(-200)  # inside the exact test zone
    browser.get(f"{base}/")
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["geolocation"]})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride",
                            {"latitude": lat, "longitude": lon, "accuracy": 12})
    wait(browser, lambda d: len(Select(d.find_element(By.ID, "activity")).options) > 5)
    browser.find_element(By.ID, "locate").click()
    wait(browser, lambda d: d.find_element(By.ID, "place").get_attribute("value"))
    assert browser.find_element(By.ID, "place").get_attribute("value") == f"{lat:.6f},{lon:.6f}"
    assert "±12 米" in browser.find_element(By.ID, "locate-msg").text
    Select(browser.find_element(By.ID, "activity")).select_by_value("bbq")
    browser.execute_script("document.getElementById('date').value = '2023-04-01'")
    browser.find_element(By.ID, "submit").click()
    assert status_of(browser) == "禁止"
    assert "accuracy=12" in browser.current_url
    shoot(browser, shots, "phone-zh-geolocation")


def test_map_draws_the_zones_the_500_m_line_and_the_place(browser, base: str, shots: Path) -> None:
    browser.get(f"{base}/?{urlencode({'place': near_zone(300), 'activity': 'bbq', 'date': '2023-04-01'})}")
    assert status_of(browser) == "禁止"
    svg = browser.find_element(By.ID, "map")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map path.buffer"))
    assert svg.find_elements(By.CSS_SELECTOR, "path.county")
    assert svg.find_elements(By.CSS_SELECTOR, "path.zone")
    assert svg.find_elements(By.CSS_SELECTOR, "path.band")  # the approximate test zone
    marker = svg.find_element(By.ID, "marker")
    assert "st-prohibited" in marker.get_attribute("class")
    # The place, 300 m east of the zone, lies between the zone's edge and its 500 m line.
    inside = browser.execute_script("""
        const m = document.getElementById('marker'), svg = document.getElementById('map');
        const p = svg.createSVGPoint(); p.x = +m.getAttribute('cx'); p.y = +m.getAttribute('cy');
        const hit = (cls) => [...svg.querySelectorAll('path.' + cls)].some((e) => e.isPointInFill(p));
        return [hit('zone'), hit('buffer')];""")
    assert inside == [False, True]
    browser.execute_script("document.getElementById('map-box').scrollIntoView()")
    browser.save_screenshot(str(shots / "phone-zh-map-nearby.png"))
    browser.find_element(By.ID, "zoom").click()
    wait(browser, lambda d: d.find_element(By.ID, "zoom").text == "看附近")
    browser.save_screenshot(str(shots / "phone-zh-map-county.png"))


def test_batch_upload_summary_and_download(browser, base: str, shots: Path, tmp_path: Path,
                                           rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    sheet = tmp_path / "permits.csv"
    sheet.write_text(f"编号,纬度,经度,日期,活动\n1,{lat:.7f},{lon:.7f},2023-04-01,烧烤\n"
                     "2,41.03,110.05,2023-07-01,秸秆\n3,abc,110,2023-07-01,秸秆\n", encoding="utf-8")
    browser.get(f"{base}/?lang=en")
    browser.find_element(By.ID, "tab-batch").click()
    browser.find_element(By.ID, "file").send_keys(str(sheet))
    Select(browser.find_element(By.ID, "batch-format")).select_by_value("jsonl")
    browser.find_element(By.ID, "batch-submit").click()
    wait(browser, lambda d: d.find_element(By.ID, "batch-result").is_displayed())
    assert browser.find_element(By.ID, "batch-summary").text.startswith("3 rows")
    counts = browser.find_element(By.ID, "batch-counts").text
    assert "Prohibited 2" in counts and "Error 1" in counts
    link = browser.find_element(By.ID, "download")
    assert link.get_attribute("download") == "checked.jsonl"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(downloads)})
    link.click()
    wait(browser, lambda _: (downloads / "checked.jsonl").exists())
    downloaded = (downloads / "checked.jsonl").read_text(encoding="utf-8")
    out = io.BytesIO()
    check_file(sheet, out, rules=rules, zones=zones, output_format="jsonl", lang="en")
    assert downloaded == out.getvalue().decode()
    shoot(browser, shots, "phone-en-batch")
    browser.find_element(By.ID, "file").clear()
    bad = tmp_path / "notes.txt"
    bad.write_text("hello", encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    browser.find_element(By.ID, "batch-submit").click()
    error = wait(browser, lambda d: d.find_element(By.ID, "batch-error").text)
    assert "input_format" in error  # the server's own words, in English


def test_bad_input_shows_the_servers_message(browser, base: str, shots: Path) -> None:
    browser.get(f"{base}/?{urlencode({'place': '41.03,110.05', 'activity': '飞天', 'date': '2023-04-01'})}")
    error = wait(browser, lambda d: d.find_element(By.ID, "error").text)
    assert "无法识别的活动" in error
    assert not browser.find_element(By.ID, "answer").is_displayed()
    shoot(browser, shots, "phone-zh-error")
