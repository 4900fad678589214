package io.streamfit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml cannot run here (no Docker engine), so its wiring is checked instead: every
 * mounted file exists, Prometheus loads the tested rules and scrapes the service's metrics path,
 * every dashboard query uses the dashboard's data source variable, whose default is the uid of
 * Grafana's provisioned data source, and the dashboard provider reads the directory the
 * dashboards are mounted at.
 */
class DeployFilesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path DEPLOY = Path.of("deploy");

    @Test
    void composeMountsFilesThatExistAndWiresThemTogether() throws Exception {
        JsonNode compose = YAML.readTree(DEPLOY.resolve("docker-compose.yml").toFile());
        Set<String> targets = new HashSet<>();
        for (JsonNode service : compose.path("services")) {
            for (JsonNode volume : service.path("volumes")) {
                String[] parts = volume.asText().split(":");
                assertTrue(Files.exists(DEPLOY.resolve(parts[0])), "mounted " + parts[0] + " exists under deploy/");
                targets.add(parts[1]);
            }
        }
        JsonNode prometheus = YAML.readTree(DEPLOY.resolve("prometheus/prometheus.yml").toFile());
        assertEquals(1, prometheus.path("rule_files").size(), "the alert rules are loaded");
        for (JsonNode rules : prometheus.path("rule_files")) {
            assertTrue(targets.contains(rules.asText()),
                    "rule file " + rules.asText() + " is mounted into the Prometheus container");
            assertTrue(
                    compose.path("services").path("prometheus").path("volumes").toString()
                            .contains("./prometheus/alerts.yml:" + rules.asText()),
                    "the mounted rule file is the tested deploy/prometheus/alerts.yml");
        }
        JsonNode job = prometheus.path("scrape_configs").get(0);
        assertEquals("/q/metrics", job.path("metrics_path").asText());
        assertEquals("streamfit:8080", job.path("static_configs").get(0).path("targets").get(0).asText(),
                "scrapes the compose service on Quarkus' port");
        assertTrue(compose.path("services").has("streamfit") && compose.path("services").has("grafana"));

        JsonNode datasource = YAML.readTree(DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yml").toFile())
                .path("datasources").get(0);
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/dashboards/streamfit.json").toFile());
        Set<String> uids = new HashSet<>(dashboard.findValuesAsText("uid"));
        uids.remove(dashboard.path("uid").asText());
        assertEquals(Set.of("${datasource}"), uids, "every query uses the dashboard's datasource variable");
        JsonNode picker = null;
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("datasource".equals(variable.path("name").asText())) {
                picker = variable;
            }
        }
        assertTrue(picker != null, "the dashboard has a datasource variable");
        assertEquals(datasource.path("type").asText(), picker.path("query").asText(),
                "the datasource variable lists data sources of the provisioned one's type");
        assertEquals(datasource.path("uid").asText(), picker.path("current").path("value").asText(),
                "the datasource variable defaults to the provisioned data source");
        String provided = YAML.readTree(DEPLOY.resolve("grafana/provisioning/dashboards/streamfit.yml").toFile())
                .path("providers").get(0).path("options").path("path").asText();
        assertTrue(targets.contains(provided),
                "the dashboard provider's path " + provided + " is where the dashboards are mounted");
    }
}
