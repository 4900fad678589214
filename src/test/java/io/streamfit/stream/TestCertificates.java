package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * TLS material made by a test at run time with the running JDK's {@code keytool} (nothing is
 * checked in, nothing outlives the test's directory): a certificate authority, a broker key pair
 * it signed for {@code 127.0.0.1} and {@code localhost} in a PKCS12 keystore, a client truststore
 * holding that authority, and a second truststore holding only an unrelated authority (a client
 * that must refuse the broker). EC keys, because RSA key generation is slow on a busy machine.
 *
 * @param brokerKeystore the broker's key and certificate chain (PKCS12)
 * @param truststore a truststore that trusts the broker (PKCS12)
 * @param untrustedTruststore a truststore that does not trust the broker (PKCS12)
 * @param password the password of all three stores (random per run)
 */
record TestCertificates(Path brokerKeystore, Path truststore, Path untrustedTruststore, String password) {

    /** Makes the stores in {@code dir} (created if needed; earlier stores there are replaced). */
    static TestCertificates create(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String f : List.of("ca.p12", "ca.crt", "other-ca.p12", "broker.p12", "broker.csr", "broker.crt", "truststore.p12")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        String pw = UUID.randomUUID().toString();
        KeyTool k = new KeyTool(dir, pw);
        k.run("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname", "CN=streamfit test CA", "-ext", "bc:c", "-validity", "2",
                "-keystore", "ca.p12", "-storetype", "PKCS12");
        k.run("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-rfc", "-file", "ca.crt");
        k.run("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-dname", "CN=localhost", "-validity", "2",
                "-keystore", "broker.p12", "-storetype", "PKCS12");
        k.run("-certreq", "-alias", "broker", "-keystore", "broker.p12", "-file", "broker.csr");
        k.run("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", "broker.csr", "-outfile", "broker.crt", "-rfc",
                "-validity", "2", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        k.run("-importcert", "-alias", "ca", "-file", "ca.crt", "-keystore", "broker.p12", "-noprompt");
        k.run("-importcert", "-alias", "broker", "-file", "broker.crt", "-keystore", "broker.p12", "-noprompt");
        k.run("-importcert", "-alias", "ca", "-file", "ca.crt", "-keystore", "truststore.p12", "-storetype", "PKCS12",
                "-noprompt");
        k.run("-genkeypair", "-alias", "other", "-keyalg", "EC", "-dname", "CN=some other CA", "-ext", "bc:c", "-validity", "2",
                "-keystore", "other-ca.p12", "-storetype", "PKCS12");
        // Java's trust managers trust the certificate of a key entry too: this store trusts only that other CA.
        return new TestCertificates(dir.resolve("broker.p12").toAbsolutePath(), dir.resolve("truststore.p12").toAbsolutePath(),
                dir.resolve("other-ca.p12").toAbsolutePath(), pw);
    }

    /** The JDK's keytool, run in {@code dir} with one store password, its JVM tuned for a short life. */
    private record KeyTool(Path dir, String password) {
        void run(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", args[0], "-storepass", password));
            command.addAll(List.of(args).subList(1, args.length));
            Path log = dir.resolve("keytool.log");
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool " + args[0] + " failed: see " + log);
        }
    }
}
