package io.streamfit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The math core (layers, losses, optimizers, schedules, clipping, specs, batching, training
 * state, snapshot codec) must not depend on Kafka, Quarkus, CDI, JAX-RS or Micrometer, so it can be
 * tested, benchmarked and reused (the offline train command) on its own.
 */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.streamfit");

    @Test
    void mathCoreIsFreeOfServiceFrameworks() {
        noClasses().that().resideInAnyPackage("io.streamfit.nn..", "io.streamfit.optim..", "io.streamfit.schedule..",
                        "io.streamfit.spec..", "io.streamfit.data..", "io.streamfit.train..", "io.streamfit.snapshot..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.quarkus..", "jakarta..",
                        "io.micrometer..", "io.smallrye..", "io.vertx..", "io.streamfit.stream..", "io.streamfit.service..",
                        "io.streamfit.api..", "io.streamfit.metrics..", "io.streamfit.demo..")
                .check(MAIN);
    }

    @Test
    void coreDoesNotReachOutToTheServiceLayer() {
        noClasses().that().resideInAnyPackage("io.streamfit.stream..")
                .should().dependOnClassesThat().resideInAnyPackage("io.streamfit.api..", "io.streamfit.service..", "io.quarkus..")
                .check(MAIN);
    }
}
