package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member's api_url from the DCS is polled, but never with the user's Basic credentials. */
class DiscoveredEndpointCredentialsTest {

  private final MockWebServer server = new MockWebServer();
  @TempDir Path dir;

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void theMonitorSendsBasicCredentialsOnlyToTheConfiguredEndpoint() throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate cert =
        new HeldCertificate.Builder()
            .addSubjectAlternativeName("127.0.0.1")
            .addSubjectAlternativeName("localhost")
            .signedBy(ca)
            .build();
    server.useHttps(
        new HandshakeCertificates.Builder().heldCertificate(cert).build().sslSocketFactory());
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    // the same server under another name, as the DCS would report a member the URL does not list
    String discovered = "https://localhost:" + server.getPort();
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder()
                .body(
                    "{\"scope\": \"disc\", \"members\": [{\"name\": \"n1\", \"role\": \"leader\","
                        + " \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": 1,"
                        + " \"api_url\": \""
                        + discovered
                        + "/patroni\"}]}")
                .build();
          }
        });
    Path caPem = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    PatroniConfig config =
        PatroniConfig.parse(
            "jdbc:patroni:postgresql://127.0.0.1:1/db?topologyRefreshMs=20&patroniUser=u"
                + "&patroniPassword=rest-s3cret&patroniSslRootCert="
                + caPem
                + "&patroniUrls=https://127.0.0.1:"
                + server.getPort(),
            new Properties());

    MonitorRegistry.Lease monitor = MonitorRegistry.acquire(config);
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (requests.stream().noneMatch(r -> isTo(r, "localhost"))
          && System.nanoTime() < deadline) {
        RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
        if (r != null) {
          requests.add(r);
        }
      }
    } finally {
      monitor.close();
    }

    assertThat(requests).anyMatch(r -> isTo(r, "localhost"));
    for (RecordedRequest r : requests) {
      String authorization = r.getHeaders().get("Authorization");
      if (isTo(r, "localhost")) {
        assertThat(authorization).as("to the discovered endpoint").isNull();
      } else {
        assertThat(authorization).as("to the configured endpoint").startsWith("Basic ");
      }
    }
  }

  private static boolean isTo(RecordedRequest r, String host) {
    return r.getUrl().host().equals(host); // the request's authority, HTTP/1.1 or HTTP/2
  }
}
