package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * Patroni 4.1's {@code replay_lag} on a real cluster: replicas that receive everything at once but
 * apply it 20 s late ({@code recovery_min_apply_delay}, in Patroni's configuration: Patroni resets
 * a value set on the server alone) while the leader commits 100 kB at a time. Patroni reports their
 * {@code lag} (received) near 0 and their {@code replay_lag} in megabytes; under {@code
 * maxReplicationLag=1MB} they must serve no read, and the leader serves them. The LSN fields of 4.1
 * must reach {@link ClusterMember}. Below Patroni 4.1 (no {@code replay_lag}) the test is aborted;
 * {@code scripts/test} requires it to run in the Patroni 4.1 step.
 */
class ReplayLagIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void replicasThatReplayLateServeNoReadsUnderTheLagLimit() throws Exception {
    String launcher =
        java.util.Optional.ofNullable(System.getenv("PATRONI_TESTKIT_PATRONI"))
            .filter(l -> !l.isBlank())
            .orElse("patroni");
    Process p = new ProcessBuilder(launcher, "--version").redirectErrorStream(true).start();
    String version =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            .trim()
            .replaceFirst("^patroni ", "");
    p.waitFor();
    Assumptions.assumeTrue(
        atLeast41(version), "replay_lag came with Patroni 4.1; this Patroni is " + version);
    try (PatroniCluster cluster =
        PatroniCluster.builder().postgresParameter("recovery_min_apply_delay", "20s").start()) {
      check(cluster, version);
    }
  }

  private static void check(PatroniCluster cluster, String version) throws Exception {
    Member leader = cluster.leader();
    Member delayed = cluster.replicas().get(0);
    try (Connection c = cluster.connect(leader);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS replay_lag_rows");
      s.execute("CREATE TABLE replay_lag_rows (id serial PRIMARY KEY, pad text)");
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread writer =
        new Thread(
            () -> {
              try (Connection c = cluster.connect(leader);
                  PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO replay_lag_rows (pad) SELECT string_agg(md5(random()::text), '')"
                              + " FROM generate_series(1, 3200)")) {
                while (writing.get()) {
                  ps.executeUpdate(); // ~100 kB, its own commit
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "replay-lag-writer");
    writer.start();
    try (PatroniDataSource ds =
        new PatroniDataSource(
            cluster.jdbcUrl("postgres", "maxReplicationLag=1MB", "topologyRefreshMs=500"))) {
      ds.setUser(PatroniCluster.SUPERUSER);
      ds.setPassword(PatroniCluster.PASSWORD);
      ds.getConnection().close(); // starts following the topology
      JsonNode reported = awaitReplayLagAboveLag(cluster, delayed.name());
      long lag = reported.path("lag").asLong();
      long replayLag = reported.path("replay_lag").asLong();
      Thread.sleep(1500); // the library polls every 500 ms

      ClusterTopology seen = ds.topology().orElseThrow();
      ClusterMember m = seen.member(delayed.name()).orElseThrow();
      assertThat(m.receiveLsn()).as("receive_lsn parsed").isPresent();
      assertThat(m.replayLsn()).as("replay_lsn parsed").isPresent();
      assertThat(m.receiveLsn().getAsLong()).isGreaterThan(m.replayLsn().getAsLong());

      Map<String, Integer> reads = new TreeMap<>();
      for (int i = 0; i < 2000; i++) {
        try (Connection c = ds.readOnly().getConnection()) {
          reads.merge(((PatroniConnection) c).memberName(), 1, Integer::sum);
        }
      }
      JsonNode after = member(get(leader.restUrl() + "/cluster"), delayed.name());
      System.out.printf(
          "ReplayLagIT (Patroni %s): %s reported lag %d B, replay_lag %d B (after the reads: %s B,"
              + " %s B); 2,000 reads under maxReplicationLag=1MB: %s%n",
          version,
          delayed.name(),
          lag,
          replayLag,
          after.path("lag").asText(),
          after.path("replay_lag").asText(),
          reads);
      assertThat(replayLag).isGreaterThan(1024L * 1024);
      assertThat(after.path("replay_lag").asLong())
          .as("still behind after the reads")
          .isGreaterThan(1024L * 1024);
      assertThat(reads).containsOnlyKeys(leader.name()); // the replicas replay 20 s late
    } finally {
      writing.set(false);
      writer.join(30_000);
    }
  }

  /** Waits until Patroni reports the member's replay_lag above 1 MB and above its lag. */
  private static JsonNode awaitReplayLagAboveLag(PatroniCluster cluster, String name)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = member(get(cluster.leader().restUrl() + "/cluster"), name);
      if (last.path("replay_lag").isNumber()
          && last.path("replay_lag").asLong() > 1024L * 1024
          && last.path("replay_lag").asLong() > last.path("lag").asLong()) {
        return last;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Patroni never reported replay_lag above 1 MB and lag: " + last);
  }

  private static JsonNode member(JsonNode cluster, String name) {
    for (JsonNode m : cluster.path("members")) {
      if (name.equals(m.path("name").asText())) {
        return m;
      }
    }
    throw new AssertionError(name + " missing from " + cluster);
  }

  private static JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private static boolean atLeast41(String version) {
    String[] parts = version.split("\\.");
    int major = Integer.parseInt(parts[0]);
    int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
    return major > 4 || (major == 4 && minor >= 1);
  }
}
