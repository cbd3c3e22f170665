package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patronijdbc.topology.ClusterTopology;

class PatroniRestClientTest {

  private final MockWebServer server = new MockWebServer();
  @TempDir Path dir;

  @BeforeEach
  void start() throws IOException {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String endpoint() {
    return "http://127.0.0.1:" + server.getPort();
  }

  private static PatroniRestClient client(RestSecurity security) {
    return new PatroniRestClient(security, Duration.ofMillis(500));
  }

  @Test
  void sendsBasicCredentialsOnlyOverHttpsAndOnlyToConfiguredEndpoints() throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate serverCert =
        new HeldCertificate.Builder()
            .addSubjectAlternativeName("127.0.0.1")
            .addSubjectAlternativeName("localhost")
            .signedBy(ca)
            .build();
    server.useHttps(
        new HandshakeCertificates.Builder().heldCertificate(serverCert).build().sslSocketFactory());
    for (int i = 0; i < 2; i++) {
      server.enqueue(
          new MockResponse.Builder()
              .body(ClusterJsonReaderTest.fixture("cluster-3.0.2.json"))
              .build());
    }
    Path caPem = write("ca.pem", ca.certificatePem());
    String configured = "https://127.0.0.1:" + server.getPort();
    String discovered = "https://localhost:" + server.getPort(); // as a member's api_url says
    PatroniRestClient client =
        new PatroniRestClient(
            new RestSecurity(caPem.toString(), null, null, "patroni", "s3cret"),
            Duration.ofMillis(2000),
            List.of(configured));

    ClusterTopology t = client.fetchCluster(configured);
    client.fetchCluster(discovered);

    assertThat(t.members()).hasSize(3);
    var toConfigured = server.takeRequest();
    assertThat(toConfigured.getUrl().encodedPath()).isEqualTo("/cluster");
    assertThat(toConfigured.getHeaders().get("Authorization")).startsWith("Basic ");
    assertThat(server.takeRequest().getHeaders().get("Authorization")).isNull();
  }

  @Test
  void neverSendsBasicCredentialsOverPlainHttp() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .body(ClusterJsonReaderTest.fixture("cluster-3.0.2.json"))
            .build());
    PatroniRestClient client =
        new PatroniRestClient(
            new RestSecurity(null, null, null, "patroni", "s3cret"),
            Duration.ofMillis(500),
            List.of(endpoint()));

    client.fetchCluster(endpoint());

    assertThat(server.takeRequest().getHeaders().get("Authorization")).isNull();
  }

  @Test
  void failsOnErrorStatusHtmlAndRedirectsWithoutFollowingThem() {
    server.enqueue(new MockResponse.Builder().code(503).body("{}").build());
    server.enqueue(new MockResponse.Builder().body("<html>hello</html>").build());
    server.enqueue(
        new MockResponse.Builder()
            .code(302)
            .addHeader("Location", endpoint() + "/elsewhere")
            .build());
    PatroniRestClient client = client(RestSecurity.NONE);

    assertThatThrownBy(() -> client.fetchCluster(endpoint())).hasMessageContaining("HTTP 503");
    assertThatThrownBy(() -> client.fetchCluster(endpoint())).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> client.fetchCluster(endpoint())).hasMessageContaining("HTTP 302");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void refusesOversizedAnswers() {
    String huge =
        "{\"members\": [], \"pad\": \"" + "x".repeat(PatroniRestClient.MAX_BODY_BYTES) + "\"}";
    server.enqueue(new MockResponse.Builder().body(huge).build());

    assertThatThrownBy(() -> client(RestSecurity.NONE).fetchCluster(endpoint()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too large");
  }

  @Test
  void givesUpOnAServerThatNeverAnswersWithinTheTimeout() {
    server.enqueue(
        new MockResponse.Builder().headersDelay(30, TimeUnit.SECONDS).body("{}").build());
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    PatroniRestClient client = client(RestSecurity.NONE);

    for (int i = 0; i < 2; i++) {
      long started = System.nanoTime();
      assertThatThrownBy(() -> client.fetchCluster(endpoint())).isInstanceOf(IOException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void speaksTlsWithAClientCertificateAndRejectsAnUnknownCa() throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate serverCert =
        new HeldCertificate.Builder()
            .addSubjectAlternativeName("127.0.0.1")
            .addSubjectAlternativeName("localhost")
            .signedBy(ca)
            .build();
    HeldCertificate clientCert = new HeldCertificate.Builder().signedBy(ca).build();
    server.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(serverCert)
            .addTrustedCertificate(ca.certificate())
            .build()
            .sslSocketFactory());
    server.requireClientAuth();
    server.enqueue(
        new MockResponse.Builder().body(ClusterJsonReaderTest.fixture("cluster-4.1.json")).build());
    Path caPem = write("ca.pem", ca.certificatePem());
    Path certPem = write("client.pem", clientCert.certificatePem());
    Path keyPem = write("client.key", clientCert.privateKeyPkcs8Pem());
    String https = "https://127.0.0.1:" + server.getPort();

    ClusterTopology t =
        client(
                new RestSecurity(
                    caPem.toString(), certPem.toString(), keyPem.toString(), null, null))
            .fetchCluster(https);

    assertThat(t.scope()).isEqualTo("demo");
    HeldCertificate otherCa = new HeldCertificate.Builder().certificateAuthority(0).build();
    Path otherCaPem = write("other-ca.pem", otherCa.certificatePem());
    assertThatThrownBy(
            () ->
                client(
                        new RestSecurity(
                            otherCaPem.toString(),
                            certPem.toString(),
                            keyPem.toString(),
                            null,
                            null))
                    .fetchCluster(https))
        .isInstanceOf(IOException.class);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }
}
