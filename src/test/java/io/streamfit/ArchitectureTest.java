package io.streamfit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Which streamfit package may use which: an allow-list, so that a new edge between packages is a
 * decision (a line changed here and in the package's {@code package-info.java}), not an accident.
 * One layer per package; each may use only the packages in its row (and the JDK and its libraries,
 * which the framework rules below constrain separately):
 *
 * <pre>
 * package   may use
 * -------   -------------------------------------------------------------
 * hyper     -                                  (how components declare hyper-parameters)
 * nn        hyper                              (each layer's LayerKind declares its options)
 * optim     hyper                              (never nn: optimizers see flat buffers)
 * schedule  hyper
 * drift     hyper                              (change detectors over a stream of losses)
 * search    nn                                 (hyper-parameter spaces and samplers; SplitMix64)
 * spec      drift, hyper, nn, optim, schedule, search (reads each kind: layer, optimizer, schedule, detector; search spaces)
 * config    -
 * data      spec, train, snapshot                (records -> batches -> steps: TrainingLoop)
 * files     spec
 * train     drift, hyper, nn, optim, schedule, search, spec (a search runs its trials: SearchRun)
 * landscape nn, spec, train                    (loss landscape and sharpness on a float64 copy)
 * metrics   data, stream, train                (observes runners: RunnerListener; reject reasons)
 * snapshot  drift, nn, optim, schedule, spec, train (the codec, and Lineage: version and positions)
 * stream    data, files, nn, snapshot, spec, train
 * cli       data, files, landscape, nn, search, snapshot, spec, train
 * demo      config, data, nn, spec, stream
 * service   config, data, demo, files, landscape, metrics, nn, spec, stream, train
 * health    service, spec, stream
 * api       config, data, nn, optim, schedule, service, spec, stream, train
 * </pre>
 *
 * Besides: no cycles between packages; the math core (nn, optim, schedule, drift, spec, data, train,
 * landscape, snapshot) uses no Kafka, Quarkus, CDI, JAX-RS, Micrometer, SmallRye or Vert.x, so it can be
 * tested, benchmarked and reused (the offline train command) on its own; stream uses no Quarkus
 * and is observed through {@code stream.RunnerListener}, which {@code metrics.ModelMeters}
 * implements: stream does not know its meters.
 */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.streamfit");

    @Test
    void packagesUseOnlyTheLayersTheirRowAllows() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("hyper").definedBy("io.streamfit.hyper..")
                .layer("nn").definedBy("io.streamfit.nn..")
                .layer("optim").definedBy("io.streamfit.optim..")
                .layer("schedule").definedBy("io.streamfit.schedule..")
                .layer("drift").definedBy("io.streamfit.drift..")
                .layer("search").definedBy("io.streamfit.search..")
                .layer("spec").definedBy("io.streamfit.spec..")
                .layer("config").definedBy("io.streamfit.config..")
                .layer("data").definedBy("io.streamfit.data..")
                .layer("files").definedBy("io.streamfit.files..")
                .layer("train").definedBy("io.streamfit.train..")
                .layer("landscape").definedBy("io.streamfit.landscape..")
                .layer("metrics").definedBy("io.streamfit.metrics..")
                .layer("snapshot").definedBy("io.streamfit.snapshot..")
                .layer("stream").definedBy("io.streamfit.stream..")
                .layer("cli").definedBy("io.streamfit.cli..")
                .layer("demo").definedBy("io.streamfit.demo..")
                .layer("service").definedBy("io.streamfit.service..")
                .layer("health").definedBy("io.streamfit.health..")
                .layer("api").definedBy("io.streamfit.api..")

                .whereLayer("nn").mayOnlyAccessLayers("hyper")
                .whereLayer("hyper").mayNotAccessAnyLayer()
                .whereLayer("optim").mayOnlyAccessLayers("hyper")
                .whereLayer("schedule").mayOnlyAccessLayers("hyper")
                .whereLayer("drift").mayOnlyAccessLayers("hyper")
                .whereLayer("search").mayOnlyAccessLayers("nn")
                .whereLayer("spec").mayOnlyAccessLayers("drift", "hyper", "nn", "optim", "schedule", "search")
                .whereLayer("config").mayNotAccessAnyLayer()
                .whereLayer("data").mayOnlyAccessLayers("nn", "spec", "train", "snapshot")
                .whereLayer("files").mayOnlyAccessLayers("spec")
                .whereLayer("train").mayOnlyAccessLayers("drift", "hyper", "nn", "optim", "schedule", "search", "spec")
                .whereLayer("landscape").mayOnlyAccessLayers("nn", "spec", "train")
                .whereLayer("metrics").mayOnlyAccessLayers("data", "stream", "train")
                .whereLayer("snapshot").mayOnlyAccessLayers("drift", "nn", "optim", "schedule", "spec", "train")
                .whereLayer("stream").mayOnlyAccessLayers("data", "files", "nn", "snapshot", "spec", "train")
                .whereLayer("cli").mayOnlyAccessLayers("data", "files", "landscape", "nn", "search", "snapshot", "spec", "train")
                .whereLayer("demo").mayOnlyAccessLayers("config", "data", "nn", "spec", "stream")
                .whereLayer("service")
                .mayOnlyAccessLayers("config", "data", "demo", "files", "landscape", "metrics", "nn", "spec",
                        "stream", "train")
                .whereLayer("health").mayOnlyAccessLayers("service", "spec", "stream")
                .whereLayer("api").mayOnlyAccessLayers("config", "data", "nn", "optim", "schedule", "service", "spec",
                        "stream", "train")

                // A class outside these packages (a new package) fails the rule until it gets a row here.
                .ensureAllClassesAreContainedInArchitecture()
                .check(MAIN);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.streamfit.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void optimizersDoNotKnowTheNetwork() {
        noClasses().that().resideInAPackage("io.streamfit.optim..")
                .should().dependOnClassesThat().resideInAPackage("io.streamfit.nn..")
                .because("an optimizer updates flat parameter and gradient buffers; which layer owns a slice is nn's business")
                .check(MAIN);
    }

    @Test
    void mathCoreIsFreeOfServiceFrameworks() {
        noClasses().that()
                .resideInAnyPackage("io.streamfit.hyper..", "io.streamfit.nn..", "io.streamfit.optim..",
                        "io.streamfit.schedule..", "io.streamfit.drift..", "io.streamfit.search..",
                        "io.streamfit.spec..", "io.streamfit.data..", "io.streamfit.train..", "io.streamfit.snapshot..",
                        "io.streamfit.landscape..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.quarkus..", "jakarta..",
                        "io.micrometer..", "io.smallrye..", "io.vertx..")
                .check(MAIN);
    }

    @Test
    void streamUsesNeitherQuarkusNorMicrometer() {
        noClasses().that().resideInAPackage("io.streamfit.stream..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "io.micrometer..")
                .because("the Kafka loop runs without Quarkus (tests, embedded broker) and is observed through RunnerListener")
                .check(MAIN);
    }
}
