package org.patronijdbc.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates for a REST API with mutual TLS, made with {@code openssl}: a CA, one certificate
 * (SAN 127.0.0.1) that every member serves and also presents to the others, and a client
 * certificate for the tests, its key in PKCS#8 PEM.
 */
final class RestTls {

  private static final String P12_PASSWORD = "testkit";

  final Path ca;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;
  private final Path clientP12;

  private RestTls(Path dir) {
    ca = dir.resolve("ca.pem");
    serverCert = dir.resolve("server.pem");
    serverKey = dir.resolve("server.key");
    clientCert = dir.resolve("client.pem");
    clientKey = dir.resolve("client.key");
    clientP12 = dir.resolve("client.p12");
  }

  static RestTls generate(Path dir) throws IOException {
    Files.createDirectories(dir);
    RestTls tls = new RestTls(dir);
    // what strict verifiers (Python 3.13's VERIFY_X509_STRICT, OpenSSL's -x509_strict) demand: a
    // CA with critical basic constraints and key usage; leaves with key identifiers, key usage,
    // extended key usage and subject alternative names. Every member serves the one certificate
    // and presents it as a client to the others, so it is for both.
    Path ext =
        Files.writeString(
            dir.resolve("leaf.ext"),
            String.join(
                "\n",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "basicConstraints=critical,CA:FALSE",
                "keyUsage=critical,digitalSignature,keyEncipherment",
                "extendedKeyUsage=serverAuth,clientAuth",
                "subjectKeyIdentifier=hash",
                "authorityKeyIdentifier=keyid,issuer",
                ""));
    run(
        dir,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=testkit-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem");
    for (String name : List.of("server", "client")) {
      run(
          dir,
          "openssl",
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-subj",
          "/CN=testkit-" + name,
          "-keyout",
          name + ".key",
          "-out",
          name + ".csr");
      run(
          dir,
          "openssl",
          "x509",
          "-req",
          "-in",
          name + ".csr",
          "-CA",
          "ca.pem",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-days",
          "2",
          "-extfile",
          ext.toString(),
          "-out",
          name + ".pem");
    }
    run(
        dir,
        "openssl",
        "pkcs12",
        "-export",
        "-in",
        "client.pem",
        "-inkey",
        "client.key",
        "-out",
        "client.p12",
        "-passout",
        "pass:" + P12_PASSWORD);
    return tls;
  }

  /** What testkit's own REST client presents and trusts. */
  SSLContext clientContext() {
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(clientP12)) {
        keys.load(in, P12_PASSWORD.toCharArray());
      }
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, P12_PASSWORD.toCharArray());
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(ca)) {
        Certificate caCert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        trust.setCertificateEntry("testkit-ca", caCert);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load testkit's REST client certificate", e);
    }
  }

  private static void run(Path dir, String... command) throws IOException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    try {
      if (p.waitFor() != 0) {
        throw new IOException(
            String.join(" ", command)
                + " failed: "
                + output
                + (output.contains("not found") ? "; apt-get install -y openssl" : ""));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
