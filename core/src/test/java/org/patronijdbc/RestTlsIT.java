package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.topology.ClusterTopology;

/** A real Patroni whose REST API demands a client certificate (verify_client: required). */
class RestTlsIT {

  private static PatroniCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = PatroniCluster.builder().restApiTls().start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private static PatroniDataSource dataSource(String url) {
    PatroniDataSource ds = new PatroniDataSource(url);
    ds.setUser(PatroniCluster.SUPERUSER);
    ds.setPassword(PatroniCluster.PASSWORD);
    return ds;
  }

  @Test
  void readsTheTopologyOverMutualTlsAndRoutes() throws Exception {
    Member leader = cluster.leader();
    assertThat(leader.restUrl()).startsWith("https://");
    try (PatroniDataSource ds = dataSource(cluster.jdbcUrl("postgres"))) {
      try (Connection c = ds.getConnection()) {
        assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(leader.pgPort(), false));
      }
      ClusterTopology topology = awaitTopology(ds);
      assertThat(topology.source()).isEqualTo(ClusterTopology.Source.PATRONI);
      assertThat(topology.scope()).isEqualTo(cluster.scope());
    }
  }

  @Test
  void aWrongCaOrNoClientCertificateNeverReadsTheRestApiAndNeverFallsBackToHttp() throws Exception {
    Path otherCa = Files.createTempFile("other-ca", ".pem");
    Path dir = Files.createTempDirectory("other-ca");
    try {
      Process p =
          new ProcessBuilder(
                  "openssl",
                  "req",
                  "-x509",
                  "-newkey",
                  "rsa:2048",
                  "-nodes",
                  "-days",
                  "1",
                  "-subj",
                  "/CN=other",
                  "-keyout",
                  dir.resolve("k").toString(),
                  "-out",
                  otherCa.toString())
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      assertThat(p.waitFor()).isZero();
      String url = cluster.jdbcUrl("postgres", "patroniTimeoutMs=500");
      String wrongCa = url.replaceAll("patroniSslRootCert=[^&]+", "patroniSslRootCert=" + otherCa);
      String noClientCert = url.replaceAll("&patroniSslCert=[^&]+&patroniSslKey=[^&]+", "");
      String plainHttp = url.replaceAll("&patroniSsl\\w+=[^&]+", "").replace("https://", "http://");

      for (String bad : new String[] {wrongCa, noClientCert, plainHttp}) {
        try (PatroniDataSource ds = dataSource(bad)) {
          // without Patroni's answer the hosts are probed over SQL: connections still work
          try (Connection c = ds.getConnection()) {
            assertThat(ServerSide.of(c).inRecovery()).isFalse();
          }
          Thread.sleep(1500);
          assertThat(ds.topology()).as(bad).isEmpty();
        }
      }
    } finally {
      Files.deleteIfExists(otherCa);
      Files.deleteIfExists(dir.resolve("k"));
      Files.deleteIfExists(dir);
    }
  }

  private static ClusterTopology awaitTopology(PatroniDataSource ds) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (ds.topology().isPresent() && !ds.topology().get().scope().isEmpty()) {
        return ds.topology().get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no topology over TLS");
  }
}
