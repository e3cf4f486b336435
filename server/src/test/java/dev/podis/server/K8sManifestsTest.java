package dev.podis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.podis.server.config.ConfigLoader;
import dev.podis.server.config.Directive;
import dev.podis.server.config.ServerConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validates the Kubernetes manifests in {@code k8s/} without an API server: every object is parsed
 * with the fabric8 model (a field the model does not know is an error), and the pod spec is checked
 * against what Podis really does: its probe paths and ports, its config loader, its secret files.
 */
class K8sManifestsTest {

    static final Path K8S = Path.of(System.getProperty("basedir", ".")).resolve("../k8s").toAbsolutePath().normalize();
    static final Map<String, String> COMMON_LABELS = Map.of(
            "app.kubernetes.io/name", "podis",
            "app.kubernetes.io/instance", "podis");

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** Every object of the base and of k8s/monitoring, by file name relative to k8s/. */
    static final Map<String, HasMetadata> OBJECTS = new HashMap<>();

    static StatefulSet sts;
    static PodSpec pod;
    static Container container;

    @BeforeAll
    static void parseAll() throws IOException {
        assertTrue(Files.isDirectory(K8S), "no manifests at " + K8S);
        for (Path p : yamlFiles(K8S)) {
            if (p.getFileName().toString().equals("kustomization.yaml")) {
                continue;
            }
            String text = Files.readString(p);
            Object parsed = SERIALIZATION.unmarshal(text);
            assertTrue(parsed instanceof HasMetadata, p + " is not a Kubernetes object: " + parsed);
            assertNoUnknownFields(parsed, K8S.relativize(p).toString());
            OBJECTS.put(K8S.relativize(p).toString(), (HasMetadata) parsed);
        }
        List<StatefulSet> sets = ofKind(StatefulSet.class);
        assertEquals(1, sets.size(), "one StatefulSet");
        sts = sets.get(0);
        pod = sts.getSpec().getTemplate().getSpec();
        container = pod.getContainers().stream().filter(c -> c.getName().equals("podis")).findFirst()
                .orElseThrow(() -> new AssertionError("no container named podis"));
    }

    static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted().collect(Collectors.toList());
        }
    }

    static <T> List<T> ofKind(Class<T> type) {
        return OBJECTS.entrySet().stream().filter(e -> !e.getKey().contains("/"))
                .map(Map.Entry::getValue).filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    /**
     * The fabric8 model keeps a field it does not know in {@code additionalProperties} instead of
     * failing (its classes carry a Jackson any-setter, so FAIL_ON_UNKNOWN_PROPERTIES has no effect):
     * a non-empty one anywhere in the parsed tree is an unknown (misspelt or misplaced) field.
     */
    static void assertNoUnknownFields(Object o, String where) {
        if (o == null || o instanceof GenericKubernetesResource) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                assertNoUnknownFields(e, where + "[" + i++ + "]");
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                assertNoUnknownFields(e.getValue(), where + "." + e.getKey());
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = m.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;   // computed getters (Quantity's numerical amount, ...) that may throw
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    fail(where + " (" + o.getClass().getSimpleName() + "): unknown field(s) " + extra.keySet());
                }
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            assertNoUnknownFields(v, where + "." + field);
        }
    }

    @Test
    void unknownFieldsAreCaught() {
        String typo = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: x}\nspec:\n  template:\n"
                + "    spec:\n      containers:\n        - name: c\n          readinesProbe: {}\n";
        Object parsed = SERIALIZATION.unmarshal(typo);
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> assertNoUnknownFields(parsed, "typo"));
        assertTrue(e.getMessage().contains("readinesProbe"), e.getMessage());
    }

    @Test
    void kustomizationListsEveryBaseFile() throws IOException {
        Map<?, ?> k = SERIALIZATION.unmarshal(Files.readString(K8S.resolve("kustomization.yaml")), Map.class);
        Set<String> listed = new TreeSet<>();
        for (Object r : (List<?>) k.get("resources")) {
            listed.add(r.toString());
        }
        Set<String> files = new TreeSet<>();
        for (Path p : yamlFiles(K8S)) {
            String rel = K8S.relativize(p).toString();
            if (!rel.contains("/") && !rel.equals("kustomization.yaml")) {
                files.add(rel);
            }
        }
        assertEquals(files, listed, "the base lists every manifest in k8s/ and nothing else");
        Map<?, ?> mon = SERIALIZATION.unmarshal(
                Files.readString(K8S.resolve("monitoring/kustomization.yaml")), Map.class);
        assertEquals(List.of("servicemonitor.yaml"), mon.get("resources"));
    }

    @Test
    void labelsAndSelectorsAgree() {
        for (Map.Entry<String, HasMetadata> e : OBJECTS.entrySet()) {
            Map<String, String> labels = e.getValue().getMetadata().getLabels();
            assertNotNull(labels, e.getKey() + " has no labels");
            assertTrue(labels.entrySet().containsAll(COMMON_LABELS.entrySet()), e.getKey() + ": " + labels);
        }
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertEquals(COMMON_LABELS, sts.getSpec().getSelector().getMatchLabels());
        assertTrue(podLabels.entrySet().containsAll(COMMON_LABELS.entrySet()));
        for (Service s : ofKind(Service.class)) {
            assertEquals(COMMON_LABELS, s.getSpec().getSelector(), s.getMetadata().getName());
        }
        for (PodDisruptionBudget pdb : ofKind(PodDisruptionBudget.class)) {
            assertEquals(COMMON_LABELS, pdb.getSpec().getSelector().getMatchLabels());
        }
        assertEquals(1, ofKind(PodDisruptionBudget.class).size(), "one PodDisruptionBudget");
        List<TopologySpreadConstraint> spread = pod.getTopologySpreadConstraints();
        assertFalse(spread == null || spread.isEmpty(), "topologySpreadConstraints");
        for (TopologySpreadConstraint t : spread) {
            assertEquals(COMMON_LABELS, t.getLabelSelector().getMatchLabels());
        }
    }

    @Test
    void servicesAndPorts() throws Exception {
        ServerConfig defaults = new ServerConfig();
        assertEquals(defaults.getInt("admin-port"), containerPort("admin"), "admin port = admin-port's default");
        assertEquals(6379, containerPort("redis"));
        assertEquals(defaults.getInt("port"), containerPort("redis"));

        Service headless = service("podis-headless");
        assertEquals("None", headless.getSpec().getClusterIP());
        assertEquals(headless.getMetadata().getName(), sts.getSpec().getServiceName());
        Service client = service("podis");
        assertEquals(1, client.getSpec().getPorts().size());
        ServicePort p = client.getSpec().getPorts().get(0);
        assertEquals(6379, p.getPort());
        assertEquals(6379, resolvePort(p.getTargetPort()));
        for (ServicePort hp : headless.getSpec().getPorts()) {
            assertEquals(hp.getPort().intValue(), resolvePort(hp.getTargetPort()), hp.getName());
        }

        // The optional ServiceMonitor scrapes /metrics on the headless Service's admin port.
        GenericKubernetesResource sm = (GenericKubernetesResource) OBJECTS.get("monitoring/servicemonitor.yaml");
        assertEquals("ServiceMonitor", sm.getKind());
        Map<?, ?> spec = (Map<?, ?>) sm.getAdditionalProperties().get("spec");
        Map<?, ?> endpoint = (Map<?, ?>) ((List<?>) spec.get("endpoints")).get(0);
        assertEquals("/metrics", endpoint.get("path"));
        assertTrue(headless.getSpec().getPorts().stream().anyMatch(x -> x.getName().equals(endpoint.get("port"))));
        Map<?, ?> matchLabels = (Map<?, ?>) ((Map<?, ?>) spec.get("selector")).get("matchLabels");
        assertTrue(headless.getMetadata().getLabels().entrySet().containsAll(matchLabels.entrySet()));
        assertFalse(client.getMetadata().getLabels().entrySet().containsAll(matchLabels.entrySet()),
                "the ServiceMonitor selects only the headless Service");
    }

    @Test
    void probesUseTheAdminPort() {
        int admin = containerPort("admin");
        assertProbe(container.getStartupProbe(), "/readyz", admin, "startupProbe");
        assertProbe(container.getReadinessProbe(), "/readyz", admin, "readinessProbe");
        assertProbe(container.getLivenessProbe(), "/livez", admin, "livenessProbe");
        // /livez waits up to 2 s for the command loop before answering 503.
        assertTrue(container.getLivenessProbe().getTimeoutSeconds() > 2, "liveness timeout above 2 s");
    }

    static void assertProbe(Probe probe, String path, int port, String what) {
        assertNotNull(probe, what);
        assertNotNull(probe.getHttpGet(), what + " is an httpGet probe");
        assertEquals(path, probe.getHttpGet().getPath(), what);
        assertEquals(port, resolvePort(probe.getHttpGet().getPort()), what);
    }

    @Test
    void podSecurityAndResources() {
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(Boolean.TRUE, container.getSecurityContext().getRunAsNonRoot());
        assertTrue(pod.getSecurityContext().getRunAsUser() > 0);
        assertEquals(Boolean.TRUE, container.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, container.getSecurityContext().getAllowPrivilegeEscalation());
        Volume tmp = volume(mount("/tmp").getName());
        assertNotNull(tmp.getEmptyDir(), "/tmp is an emptyDir");

        Quantity request = container.getResources().getRequests().get("memory");
        Quantity limit = container.getResources().getLimits().get("memory");
        assertNotNull(request, "memory request");
        assertNotNull(limit, "memory limit");
        assertEquals(0, Quantity.getAmountInBytes(request).compareTo(Quantity.getAmountInBytes(limit)),
                "memory request == limit");

        List<PersistentVolumeClaim> claims = sts.getSpec().getVolumeClaimTemplates();
        assertEquals(1, claims.size());
        assertEquals(claims.get(0).getMetadata().getName(), mount("/data").getName(),
                "the volume claim is mounted at /data");
        assertEquals(30L, pod.getTerminationGracePeriodSeconds());
    }

    /**
     * The ConfigMap's podis.conf, loaded the way Main loads it (the container's args, its
     * environment, the entrypoint's --dir), with the Secret's file in place: it must load, and a
     * server started from it must answer the probes' paths on its admin port.
     */
    @Test
    void configMapLoadsAndServesTheProbes(@TempDir Path tmp) throws Exception {
        List<String> args = container.getArgs();
        assertFalse(args == null || args.isEmpty(), "the config file is the first argument");
        String confPath = args.get(0);
        VolumeMount confMount = mountFor(confPath);
        Volume confVolume = volume(confMount.getName());
        assertNotNull(confVolume.getConfigMap(), confPath + " comes from a ConfigMap");
        String key = confPath.substring(confMount.getMountPath().length() + 1);
        ConfigMap cm = ofKind(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals(confVolume.getConfigMap().getName()))
                .findFirst().orElseThrow(() -> new AssertionError("no ConfigMap " + confVolume.getConfigMap().getName()));
        String conf = cm.getData().get(key);
        assertNotNull(conf, "ConfigMap key " + key);

        // requirepass-file names the file the Secret volume provides.
        List<Directive> directives = ConfigLoader.parseText(conf, "podis.conf");
        List<Directive> pw = directives.stream().filter(d -> d.name().equalsIgnoreCase("requirepass-file")).toList();
        assertEquals(1, pw.size(), "one requirepass-file line");
        String secretPath = pw.get(0).args().get(0);
        VolumeMount secretMount = mountFor(secretPath);
        Volume secretVolume = volume(secretMount.getName());
        assertNotNull(secretVolume.getSecret(), secretPath + " comes from a Secret");
        String item = secretPath.substring(secretMount.getMountPath().length() + 1);
        List<KeyToPath> items = secretVolume.getSecret().getItems();
        if (items != null && !items.isEmpty()) {
            assertTrue(items.stream().anyMatch(i -> i.getPath().equals(item)), "Secret item path " + item);
        }

        // Load it through Main, with the secret file and the data directory in temporary places.
        Path secretFile = tmp.resolve("password");
        Files.writeString(secretFile, "s3cret\n", StandardCharsets.UTF_8);
        Path confFile = tmp.resolve("podis.conf");
        Files.writeString(confFile, conf.replace(secretPath, secretFile.toString()), StandardCharsets.UTF_8);
        Path data = Files.createDirectory(tmp.resolve("data"));
        Map<String, String> env = new HashMap<>();
        if (container.getEnv() != null) {
            for (EnvVar v : container.getEnv()) {
                if (v.getValue() != null) {
                    env.put(v.getName(), v.getValue());
                }
            }
        }
        List<String> argv = new ArrayList<>();
        argv.add(confFile.toString());
        argv.add("--dir");                       // what docker/entrypoint.sh adds
        argv.add(data.toString());
        argv.addAll(args.subList(1, args.size()));
        ServerConfig config = Main.configure(argv, env);
        assertEquals("s3cret", config.get("requirepass"));
        assertEquals(containerPort("redis"), config.getInt("port"));
        assertEquals(containerPort("admin"), config.getInt("admin-port"));
        assertTrue(config.getLong("shutdown-timeout") < pod.getTerminationGracePeriodSeconds(),
                "shutdown-timeout below terminationGracePeriodSeconds");

        // The same configuration on free ports answers the probes' paths.
        argv.addAll(List.of("--port", "0", "--admin-port", "0", "--bind", "127.0.0.1"));
        PodisServer server = new PodisServer(Main.configure(argv, env)).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            for (Probe p : List.of(container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe())) {
                String path = p.getHttpGet().getPath();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.adminPort() + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path + ": " + r.body());
            }
        } finally {
            server.close();
        }
    }

    @Test
    void kubectlKustomizeBuilds() throws Exception {
        if (TestTools.onPath("kubectl") == null) {
            TestTools.missing("kubectl", "kubectl is not installed (.ci/run installs Debian's kubernetes-client)");
        }
        for (String dir : List.of("", "monitoring")) {
            Process p = new ProcessBuilder("kubectl", "kustomize", K8S.resolve(dir).toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize timed out");
            assertEquals(0, p.exitValue(), out);
            if (dir.isEmpty()) {
                for (String kind : List.of("ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget")) {
                    assertTrue(out.contains("kind: " + kind), kind + " in " + out);
                }
                assertFalse(out.contains("kind: ServiceMonitor"), "the ServiceMonitor stays out of the base");
            } else {
                assertTrue(out.contains("kind: ServiceMonitor"), out);
            }
        }
    }

    static Service service(String name) {
        return ofKind(Service.class).stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no Service " + name));
    }

    static int containerPort(String name) {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError("no container port " + name));
    }

    static int resolvePort(IntOrString port) {
        return port.getIntVal() != null ? port.getIntVal() : containerPort(port.getStrVal());
    }

    static VolumeMount mount(String mountPath) {
        return container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(mountPath)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + mountPath));
    }

    /** The mount that holds the file at {@code path}. */
    static VolumeMount mountFor(String path) {
        return container.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath() + "/")).findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounted above " + path));
    }

    static Volume volume(String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }
}
