package io.streamfit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.stream.PackagedService;
import io.streamfit.stream.TestKafka;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console ({@code /}) in a real browser: Debian's chromium, driven by chromium-driver through
 * Selenium, against the packaged service running its demo with an API key. The page must load
 * nothing from outside the service; its curves must get points; its numbers must be the ones
 * {@code /models} answers; pause and resume must be refused without the key (with the 401's
 * words shown) and work with it, training stopping and starting again; a landscape is computed
 * and drawn; a bad spec's messages sit next to its lines; a model is added and deleted. Screenshots
 * of each stage are kept in {@code target/it-console/} as the test's output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    private static final String KEY = "console-it-key";
    private static final String MODEL = "demo-synthetic";
    private static final Path DIR = Path.of("target", "it-console");
    private static final Path DOWNLOADS = DIR.resolve("downloads");
    private static Process service;
    private static int port;
    private static WebDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver")),
                "ConsoleIT needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); .ci/run installs them");
        Files.createDirectories(DOWNLOADS);
        port = PackagedService.freePort();
        // Beside the demo model, a search on the same stream: the console shows its leaderboard.
        Path models = Files.createDirectories(DIR.resolve("models"));
        Files.writeString(models.resolve("search.yaml"), DashboardIT.DEMO_SEARCH);
        // The demo stream drifts every 20,000 examples (10 s): the demo model's detector fires.
        service = PackagedService.startDemo(port, DIR.resolve("service.log"), "-Dstreamfit.demo.dataset=synthetic",
                "-Dstreamfit.demo.drift-every=20000", "-Dstreamfit.models-dir=" + models.toAbsolutePath(),
                "-Dstreamfit.api.keys=" + KEY, "-Dstreamfit.landscape.sharpness-interval=3s");
        TestKafka.await("the demo model trains", Duration.ofSeconds(120), Duration.ofMillis(500),
                () -> PackagedService.examplesSeen(port, MODEL) > 0);
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium"); // explicit: Selenium Manager cannot download anything here
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        options.setExperimentalOption("prefs", Map.of("download.default_directory", DOWNLOADS.toAbsolutePath().toString(),
                "download.prompt_for_download", false));
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(200));
        browser.get("http://127.0.0.1:" + port + "/");
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.destroy();
            if (!service.waitFor(60, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
    }

    @Test
    @Order(1)
    void loadsOnlyFromTheServiceAndDrawsCurves() throws Exception {
        wait.until(b -> !b.findElements(By.cssSelector("tr[data-model='" + MODEL + "']")).isEmpty());
        browser.findElement(By.cssSelector("tr[data-model='" + MODEL + "']")).click();
        for (String chart : List.of("loss", "learning_rate", "grad_norm", "throughput", "snapshots")) {
            wait.until(b -> points(chart) >= 3);
        }
        int before = points("loss");
        wait.until(b -> points("loss") > before); // live: the curve grows while we watch
        screenshot("1-curves");
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>) js("return performance.getEntriesByType('resource').map(e => e.name)");
        String origin = "http://127.0.0.1:" + port + "/";
        assertFalse(resources.isEmpty(), "the page loads its scripts");
        assertTrue(resources.stream().allMatch(r -> r.startsWith(origin)), "everything comes from the service: " + resources);
        assertTrue(resources.stream().anyMatch(r -> r.contains("/webjars/uplot/")), "uPlot comes from the webjar: " + resources);
    }

    @Test
    @Order(2)
    void numbersAreTheApis() throws Exception {
        // Counters grow between reads: the cell must lie between the API's answers before and after it.
        for (String field : List.of("steps", "version")) {
            String path = field.equals("steps") ? "steps" : "version";
            long low = PackagedService.status(port, MODEL).path(path).asLong();
            wait.until(b -> cellValue(field) != null && Double.parseDouble(cellValue(field)) >= low);
            double shown = Double.parseDouble(cellValue(field));
            long high = PackagedService.status(port, MODEL).path(path).asLong();
            assertTrue(shown >= low && shown <= high, field + ": console shows " + shown + ", API said " + low + " then " + high);
        }
        JsonNode status = PackagedService.status(port, MODEL);
        assertEquals(status.path("phase").asText(), cell("phase").getText().trim(), "phase");
        assertNotNull(cellValue("loss"), "the prequential loss is shown");
    }

    @Test
    @Order(3)
    void pauseNeedsTheKeyAndStopsTraining() throws Exception {
        browser.findElement(By.id("api-key")).clear();
        button("pause").click();
        wait.until(b -> b.findElement(By.id("message")).getText().contains("API key"));
        screenshot("2-pause-without-key");
        assertFalse(PackagedService.status(port, MODEL).path("paused").asBoolean(), "a pause without the key changes nothing");

        browser.findElement(By.id("api-key")).sendKeys(KEY);
        button("pause").click();
        wait.until(b -> b.findElement(By.id("paused-state")).getText().contains("paused by user"));
        JsonNode paused = PackagedService.status(port, MODEL);
        assertEquals("user", paused.path("paused_by").asText());
        long steps = paused.path("steps").asLong();
        Thread.sleep(2_000);
        assertEquals(steps, PackagedService.status(port, MODEL).path("steps").asLong(), "no step while paused");
        screenshot("3-paused");

        button("resume").click();
        wait.until(b -> b.findElement(By.id("paused-state")).getText().contains("training"));
        TestKafka.await("training goes on after resume", Duration.ofSeconds(30), Duration.ofMillis(200),
                () -> PackagedService.status(port, MODEL).path("steps").asLong() > steps);
    }

    @Test
    @Order(4)
    void downloadsTheSnapshot() throws Exception {
        Path file = DOWNLOADS.resolve(MODEL + ".safetensors");
        Files.deleteIfExists(file);
        button("download").click();
        TestKafka.await("the snapshot is downloaded", Duration.ofSeconds(30), Duration.ofMillis(200),
                () -> Files.exists(file) && file.toFile().length() > 8);
        byte[] bytes = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(header > 0 && header < bytes.length - 8, "a safetensors header length: " + header);
        assertEquals('{', bytes[8], "the header is JSON");
        String json = new String(bytes, 8, (int) header, StandardCharsets.UTF_8);
        assertTrue(json.contains("\"__metadata__\"") && json.contains(MODEL), "the model's snapshot: " + json.substring(0, 200));
    }

    @Test
    @Order(5)
    void drawsTheLandscapeAndSharpness() throws Exception {
        setInput("landscape-points", "9");
        setInput("landscape-rows", "128");
        button("landscape").click();
        new WebDriverWait(browser, Duration.ofSeconds(120), Duration.ofMillis(200))
                .until(b -> b.findElement(By.id("landscape-state")).getText().contains("done"));
        JsonNode job = PackagedService.get(port, "/models/" + MODEL + "/landscape");
        assertEquals("done", job.path("state").asText());
        assertEquals(9, job.path("result").path("line").path("alphas").size());
        wait.until(b -> points("landscape_line") == 9);
        double lambda = job.path("result").path("sharpness").path("lambda_max").asDouble();
        WebElement sharpness = browser.findElement(By.id("sharpness"));
        assertEquals(lambda, Double.parseDouble(sharpness.getAttribute("data-value")), 0, "the sharpness shown is the API's");
        assertTrue(sharpness.getText().matches("(?s).*\\d.*"), "and it is written out: " + sharpness.getText());
        Object painted = js("const c = document.getElementById('landscape-map'); const d = c.getContext('2d')"
                + ".getImageData(0, 0, c.width, c.height).data; const seen = new Set();"
                + "for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]); return seen.size;");
        assertTrue(((Number) painted).intValue() > 10, "the heat map is drawn in many colours: " + painted);
        screenshot("4-landscape");
    }

    @Test
    @Order(6)
    void showsSpecErrorsNextToTheirLinesThenAddsAndDeletes() throws Exception {
        String bad = """
                id: console-added
                topic: streamfit.demo.synthetic
                input_width: 32
                task: {type: classification, classes: 10}
                layers:
                  - {type: dense, units: 10}
                optimizer:
                  type: adam
                  lr: -1
                batch_size: 32
                """;
        setInput("spec", bad);
        button("validate").click();
        wait.until(b -> !b.findElements(By.cssSelector("#add-model [data-path^='optimizer.lr']")).isEmpty());
        WebElement note = browser.findElement(By.cssSelector("#add-model [data-path^='optimizer.lr']"));
        assertEquals("9", note.getAttribute("data-line"), "the message sits at the line of lr:");
        screenshot("5-spec-errors");

        setInput("spec", bad.replace("lr: -1", "lr: 0.001"));
        button("create").click();
        wait.until(b -> !b.findElements(By.cssSelector("tr[data-model='console-added']")).isEmpty());
        assertNotNull(PackagedService.status(port, "console-added"), "the model exists");
        browser.findElement(By.cssSelector("tr[data-model='console-added']")).click();
        wait.until(b -> b.findElement(By.id("model-detail")).getText().contains("console-added"));
        button("delete").click();
        wait.until(b -> {
            try {
                b.switchTo().alert().accept();
                return true;
            } catch (RuntimeException none) {
                return false;
            }
        });
        wait.until(b -> b.findElements(By.cssSelector("tr[data-model='console-added']")).isEmpty());
        TestKafka.await("the model is gone", Duration.ofSeconds(30), Duration.ofMillis(200),
                () -> PackagedService.code(port, "/models/console-added") == 404);
        screenshot("6-deleted");
    }

    @Test
    @Order(7)
    void exportsThePeriodicSharpness() throws Exception {
        Pattern gauge = Pattern.compile("(?m)^streamfit_loss_sharpness\\{[^}]*model=\"" + MODEL + "\"[^}]*} (\\S+)$");
        TestKafka.await("the sharpness gauge is exported", Duration.ofSeconds(60), Duration.ofMillis(500),
                () -> gauge.matcher(String.valueOf(PackagedService.body(port, "/q/metrics"))).find());
        Matcher m = gauge.matcher(PackagedService.body(port, "/q/metrics"));
        assertTrue(m.find());
        double lambda = Double.parseDouble(m.group(1));
        assertTrue(Double.isFinite(lambda) && lambda > 0, "a trained classifier's sharpness: " + lambda);
    }

    @Test
    @Order(8)
    void showsDriftAlarmsAndTheSearchLeaderboard() throws Exception {
        browser.findElement(By.cssSelector("tr[data-model='" + MODEL + "']")).click();
        new WebDriverWait(browser, Duration.ofSeconds(120), Duration.ofMillis(500))
                .until(b -> !b.findElements(By.cssSelector("#drift-alarms li[data-step]")).isEmpty());
        long alarms = PackagedService.status(port, MODEL).path("drift").path("alarms").asLong();
        int listed = browser.findElements(By.cssSelector("#drift-alarms li[data-step]")).size();
        assertTrue(listed >= 1 && listed <= alarms, listed + " alarms listed, the model counts " + alarms);
        screenshot("7-drift");

        browser.findElement(By.cssSelector("tr[data-model='demo-search']")).click();
        wait.until(b -> b.findElements(By.cssSelector("#leaderboard tbody tr[data-trial]")).size() == 3);
        JsonNode board = PackagedService.get(port, "/models/demo-search/search");
        assertEquals(3, board.path("leaderboard").size(), "the API's leaderboard has the three trials too");
        List<String> trials = browser.findElements(By.cssSelector("#leaderboard tbody tr[data-trial]")).stream()
                .map(r -> r.getAttribute("data-trial")).sorted().toList();
        List<String> apiTrials = new ArrayList<>();
        board.path("leaderboard").forEach(t -> apiTrials.add(t.path("trial").asText()));
        assertEquals(apiTrials.stream().sorted().toList(), trials, "the same trials");
        screenshot("8-leaderboard");
    }

    @Test
    @Order(9)
    void theBrowserLoggedNoScriptErrors() {
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage)
                // The refused pause: the browser logs every 4xx answer it gets.
                .filter(m -> !m.matches(".*the server responded with a status of 4\\d\\d.*")).toList();
        assertEquals(List.of(), errors, "severe browser log entries");
    }

    private static int points(String chart) {
        List<WebElement> e = browser.findElements(By.cssSelector("div[data-chart='" + chart + "']"));
        String n = e.isEmpty() ? null : e.get(0).getAttribute("data-points");
        return n == null || n.isEmpty() ? 0 : Integer.parseInt(n);
    }

    private static WebElement cell(String field) {
        return browser.findElement(By.cssSelector("tr[data-model='" + MODEL + "'] td[data-field='" + field + "']"));
    }

    private static String cellValue(String field) {
        String v = cell(field).getAttribute("data-value");
        return v == null || v.isEmpty() || v.equals("null") ? null : v;
    }

    private static WebElement button(String action) {
        return browser.findElement(By.cssSelector("button[data-action='" + action + "']"));
    }

    /** Sets an input's or textarea's value as typing would (with the input event). */
    private static void setInput(String id, String value) {
        js("const e = document.getElementById(arguments[0]); e.value = arguments[1];"
                + "e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
                id, value);
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static void screenshot(String name) throws Exception {
        Files.write(DIR.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
