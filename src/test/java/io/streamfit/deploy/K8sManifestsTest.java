package io.streamfit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.smallrye.config.WithDefault;
import io.streamfit.config.StreamfitConfig;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes manifests, without a cluster: each kustomization renders ({@code kubectl
 * kustomize}), every rendered object validates against the Kubernetes OpenAPI schemas or its
 * CRD's schema ({@code k8s/validate/validate.mjs}), and everything the manifests say about the
 * service is true of it: configuration keys, ports, health and metrics paths, the shutdown
 * budget, the model specs, and the consumer groups and partition count KEDA scales on.
 */
class K8sManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> HEALTH_PATHS = Set.of("/q/health/live", "/q/health/ready", "/q/health/started");

    private static String run(List<String> command, String stdin) throws Exception {
        Command r = Command.run(command, stdin);
        assertEquals(0, r.exit(), String.join(" ", command) + ":\n" + r.output());
        return r.output();
    }

    private static boolean warned;

    /**
     * Skips, naming what is missing and how to get it, where the manifests cannot be rendered and validated. The Maven
     * build installs k8s/validate/node_modules before the tests wherever npm is on the PATH (k8s/validate/install.sh),
     * and fails if that install fails online, so with kubectl and Node.js present these cases run.
     */
    private static void assumeTools() {
        List<String> missing = new ArrayList<>();
        if (!onPath("kubectl")) {
            missing.add("kubectl is not on PATH (it renders the kustomizations; Debian's kubernetes-client is too old)");
        }
        if (!onPath("node")) {
            missing.add("node is not on PATH (install Node.js with npm; .ci/run installs Debian's nodejs and npm)");
        }
        if (!Files.isDirectory(Path.of("k8s/validate/node_modules"))) {
            missing.add("k8s/validate/node_modules is missing (the Maven build runs k8s/validate/install.sh when npm is on PATH;"
                    + " by hand: npm ci --prefix k8s/validate)");
        }
        if (!missing.isEmpty()) {
            String reason = "K8sManifestsTest skips: " + String.join("; ", missing);
            if (!warned) {
                warned = true;
                System.err.println("[WARNING] " + reason); // on the console too, where Surefire shows only the count
            }
            Assumptions.abort(reason);
        }
    }

    @Test
    void theValidatorRejectsMistakesTheSchemasCatch() throws Exception {
        assumeTools();
        String yaml = run(List.of("kubectl", "kustomize", "k8s/overlays/autoscaled"), null);
        Map<String, String> mistakes = Map.of(
                "terminationGracePeriodSeconds: 40", "terminationGracePeriodSecond: 40", // unknown field
                "containerPort: 8080", "containerPort: http", // wrong type
                "maxReplicaCount: 12", "maxReplicas: 12", // unknown field of a CRD
                "- interval: 15s", "- interval: often", // a CRD's pattern
                "secretTargetRef:", "secretTargetRefs:"); // unknown field of KEDA's TriggerAuthentication
        for (var m : mistakes.entrySet()) {
            assertTrue(yaml.contains(m.getKey()), "the manifests contain " + m.getKey());
            Command r = Command.run(List.of("node", "k8s/validate/validate.mjs"), yaml.replace(m.getKey(), m.getValue()));
            assertTrue(r.exit() != 0 && r.output().contains("1 invalid"), m.getValue() + " is refused:\n" + r.output());
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Every property of {@link StreamfitConfig}, as {@code streamfit.a.b-c}, with its default (or null). */
    private static void properties(Class<?> type, String prefix, Map<String, String> out) {
        for (Method m : type.getDeclaredMethods()) {
            String name = prefix + m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
            if (m.getReturnType().isInterface() && m.getReturnType().getEnclosingClass() == StreamfitConfig.class) {
                properties(m.getReturnType(), name + ".", out);
            } else {
                WithDefault d = m.getAnnotation(WithDefault.class);
                out.put(name, d == null ? null : d.value());
            }
        }
    }

    /** SmallRye's environment-variable form of a property name. */
    private static String env(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    private static Duration duration(String quarkusValue) {
        return Duration.parse("PT" + quarkusValue.toUpperCase());
    }

    private static List<JsonNode> render(String kustomization) throws Exception {
        String yaml = run(List.of("kubectl", "kustomize", "k8s/" + kustomization), null);
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(yaml)) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        // The same text through the schema validator.
        String report = run(List.of("node", "k8s/validate/validate.mjs"), yaml);
        assertTrue(report.contains(docs.size() + " valid, 0 invalid"), report);
        return docs;
    }

    private static JsonNode one(List<JsonNode> docs, String kind) {
        List<JsonNode> of = docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
        assertEquals(1, of.size(), "one " + kind);
        return of.get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example", "overlays/autoscaled"})
    void rendersValidatesAndMatchesTheService(String kustomization) throws Exception {
        assumeTools();
        List<JsonNode> docs = render(kustomization);

        Map<String, String> props = new HashMap<>();
        properties(StreamfitConfig.class, "streamfit.", props);
        Set<String> streamfitEnv = new HashSet<>();
        props.keySet().forEach(p -> streamfitEnv.add(env(p)));
        Set<String> kafkaKeys = new HashSet<>(ConsumerConfig.configNames());
        kafkaKeys.addAll(ProducerConfig.configNames());
        kafkaKeys.addAll(AdminClientConfig.configNames());

        // Every configuration key exists in the service: the ConfigMap's and the container's own.
        JsonNode config = docs.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")
                && d.path("metadata").path("name").asText().startsWith("streamfit-config")).findFirst().orElseThrow();
        List<String> keys = new ArrayList<>();
        config.path("data").fieldNames().forEachRemaining(keys::add);
        one(docs, "Deployment").path("spec").path("template").path("spec").path("containers").get(0).path("env")
                .forEach(e -> keys.add(e.path("name").asText()));
        assertTrue(keys.contains("STREAMFIT_OWNERSHIP_ADVERTISED_HOST"), "pods advertise their IP for relayed requests");
        keys.forEach(key -> {
            if (key.startsWith("STREAMFIT_")) {
                assertTrue(streamfitEnv.contains(key),
                        key + " is not a streamfit property; known: " + new TreeSet<>(streamfitEnv));
            } else if (key.startsWith("KAFKA_")) {
                String clientKey = key.substring("KAFKA_".length()).toLowerCase().replace('_', '.');
                assertTrue(kafkaKeys.contains(clientKey), key + " is not a Kafka client setting (" + clientKey + ")");
            } else {
                throw new AssertionError("unexpected configuration key " + key);
            }
        });

        // Every model spec the manifests ship is valid.
        JsonNode models = docs.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")
                && d.path("metadata").path("name").asText().startsWith("streamfit-models")).findFirst().orElseThrow();
        List<ModelSpec> specs = new ArrayList<>();
        models.path("data").forEach(text -> specs.add(SpecParser.parse(text.asText())));
        assertTrue(!specs.isEmpty(), "models ConfigMap holds specs");

        // Ports, probes and grace period.
        JsonNode deployment = one(docs, "Deployment");
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        JsonNode port = container.path("ports").get(0);
        assertEquals("http", port.path("name").asText());
        assertEquals(8080, port.path("containerPort").asInt(), "Quarkus' HTTP port");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            assertTrue(HEALTH_PATHS.contains(get.path("path").asText()), probe + " path " + get.path("path"));
            assertEquals("http", get.path("port").asText(), probe + " port");
        }
        assertEquals("/q/health/started", container.path("startupProbe").path("httpGet").path("path").asText());
        assertEquals("/q/health/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("/q/health/live", container.path("livenessProbe").path("httpGet").path("path").asText());
        Duration budget = duration(props.get("streamfit.shutdown-budget"));
        assertTrue(pod.path("terminationGracePeriodSeconds").asLong() > budget.toSeconds(),
                "grace period longer than streamfit.shutdown-budget (" + budget + ")");
        // Keys are required (issue 12, item 11): the Secret is not optional, and without keys the service does not start.
        List<JsonNode> secretRefs = container.path("envFrom").findValues("secretRef");
        assertEquals(1, secretRefs.size(), "one Secret: " + container.path("envFrom"));
        assertEquals("streamfit-secrets", secretRefs.get(0).path("name").asText());
        assertTrue(!secretRefs.get(0).path("optional").asBoolean(false), "a missing Secret must stop the pod, not open the API");
        assertEquals("true", config.path("data").path("STREAMFIT_API_REQUIRE_KEYS").asText(), "start-up fails without keys");
        String configMount = config.path("data").path("STREAMFIT_MODELS_DIR").asText();
        assertTrue(container.path("volumeMounts").findValuesAsText("mountPath").contains(configMount),
                "specs mounted at " + configMount);

        // The Service and the ServiceMonitor point at that port and at the metrics path.
        JsonNode service = one(docs, "Service");
        assertEquals("http", service.path("spec").path("ports").get(0).path("targetPort").asText());
        JsonNode monitor = one(docs, "ServiceMonitor");
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertEquals(service.path("spec").path("ports").get(0).path("name").asText(), endpoint.path("port").asText());
        assertEquals("/q/metrics", endpoint.path("path").asText());
        assertEquals(service.path("metadata").path("labels"), monitor.path("spec").path("selector").path("matchLabels"),
                "the ServiceMonitor selects the Service");
        assertEquals(deployment.path("spec").path("selector"), one(docs, "PodDisruptionBudget").path("spec").path("selector"),
                "the PodDisruptionBudget covers the pods");

        // KEDA scales on groups and topics the models really have, up to the ownership partitions.
        if (kustomization.equals("overlays/autoscaled")) {
            JsonNode scaled = one(docs, "ScaledObject");
            assertTrue(deployment.path("spec").path("replicas").isMissingNode(), "KEDA owns the replica count");
            assertEquals(Integer.parseInt(props.get("streamfit.ownership.partitions")),
                    scaled.path("spec").path("maxReplicaCount").asInt());
            assertEquals(deployment.path("metadata").path("name"), scaled.path("spec").path("scaleTargetRef").path("name"));
            JsonNode auth = one(docs, "TriggerAuthentication");
            Set<String> params = new HashSet<>(auth.path("spec").path("secretTargetRef").findValuesAsText("parameter"));
            assertEquals(Set.of("sasl", "username", "password", "tls"), params, "SASL and TLS settings from a Secret");
            for (JsonNode trigger : scaled.path("spec").path("triggers")) {
                assertEquals(auth.path("metadata").path("name").asText(), trigger.path("authenticationRef").path("name").asText(),
                        "every Kafka trigger authenticates: " + trigger);
                String group = trigger.path("metadata").path("consumerGroup").asText();
                String topic = trigger.path("metadata").path("topic").asText();
                assertTrue(
                        specs.stream().anyMatch(
                                s -> group.equals(props.get("streamfit.group-prefix") + s.id()) && topic.equals(s.topic())),
                        "trigger " + group + "/" + topic + " is a model's consumer group and topic");
                String fromEnv = trigger.path("metadata").path("bootstrapServersFromEnv").asText();
                assertTrue(config.path("data").has(fromEnv) && fromEnv.equals("KAFKA_BOOTSTRAP_SERVERS"),
                        "KEDA reads the cluster from the container's KAFKA_BOOTSTRAP_SERVERS, not a copy: " + trigger);
            }
        }
        assertTrue(docs.stream().allMatch(d -> d instanceof ObjectNode), "every document is an object");
    }
}
