package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.patronijdbc.hikari.Workload.Op;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * Every change of what a replica may serve reaches the read pools: lag past the limit and back, a
 * {@code noloadbalance} tag set and removed at run time, and a fair share for each fit replica
 * however few threads read. Every read is checked on the server ({@code inet_server_port()}).
 */
@PatroniTest
class ReadRoutingIT {

  private static final int REFRESH_MS = 500;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static PatroniHikariDataSource dataSource(PatroniCluster cluster, String... params) {
    String[] all = new String[params.length + 1];
    all[0] = "topologyRefreshMs=" + REFRESH_MS;
    System.arraycopy(params, 0, all, 1, params.length);
    return PoolReroutingIT.dataSource(cluster, all);
  }

  /** Patroni's own /cluster entry for {@code member}, asked of the leader's REST API. */
  private static JsonNode patroniSays(PatroniCluster cluster, Member member) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(cluster.leader().restUrl() + "/cluster"))
                .timeout(Duration.ofSeconds(2))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    for (JsonNode m : JSON.readTree(r.body()).path("members")) {
      if (m.path("name").asText().equals(member.name())) {
        return m;
      }
    }
    return JSON.createObjectNode();
  }

  /** Polls Patroni every 50 ms until {@code condition} holds for {@code member}; when it did. */
  private static long awaitPatroni(
      PatroniCluster cluster, Member member, Predicate<JsonNode> condition, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.test(patroniSays(cluster, member))) {
        return System.nanoTime();
      }
      Thread.sleep(50);
    }
    throw new AssertionError(member.name() + ": Patroni never reported the condition");
  }

  private static long readsOn(List<Op> reads, Member member, long fromNanos, long toNanos) {
    return reads.stream()
        .filter(o -> o.ok() && o.port() == member.pgPort())
        .filter(o -> o.startNanos() >= fromNanos && o.startNanos() < toNanos)
        .count();
  }

  @Test
  void readsLeaveAReplicaPastTheLagLimitAndComeBackWhenItCatchesUp(PatroniCluster cluster)
      throws Exception {
    Member victim = cluster.replicas().get(0);
    try (PatroniHikariDataSource ds = dataSource(cluster, "maxReplicationLag=1MB")) {
      Workload.createTable(ds);
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS filler (id bigint, pad text)");
      }
      Workload load = new Workload(ds, ds.readOnly(), 1, 8);
      Thread.sleep(1500);
      cluster.pauseReplication(victim);
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute(
            "INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, 30000) g");
      }
      long reportedLagging =
          awaitPatroni(
              cluster, victim, m -> m.path("lag").asLong(0) > (1 << 20), Duration.ofSeconds(20));
      Thread.sleep(4000);
      long resumed = System.nanoTime();
      cluster.resumeReplication(victim);
      long reportedCaughtUp =
          awaitPatroni(
              cluster,
              victim,
              m -> m.path("lag").isNumber() && m.path("lag").asLong() <= (1 << 20),
              Duration.ofSeconds(30));
      Thread.sleep(3000);
      load.close();

      List<Op> reads = load.reads();
      long bound = Duration.ofMillis(2L * REFRESH_MS).toNanos();
      long whileLagging = readsOn(reads, victim, reportedLagging + bound, resumed);
      long afterCatchUp = readsOn(reads, victim, reportedCaughtUp + bound, Long.MAX_VALUE);
      long before = readsOn(reads, victim, 0, reportedLagging);
      // the last read that started on the victim after Patroni reported it lagging, if any
      long lastReadAfterReport =
          reads.stream()
                  .filter(o -> o.ok() && o.port() == victim.pgPort())
                  .filter(o -> o.startNanos() >= reportedLagging && o.startNanos() < resumed)
                  .mapToLong(Op::startNanos)
                  .max()
                  .orElse(reportedLagging)
              - reportedLagging;
      System.out.printf(
          "lag: %d reads on %s before, last read on it %d ms after Patroni reported it past the"
              + " limit, %d reads on it while lagging (past 2 x refresh), %d after it caught up%n",
          before,
          victim.name(),
          Duration.ofNanos(lastReadAfterReport).toMillis(),
          whileLagging,
          afterCatchUp);
      assertThat(before).isPositive();
      assertThat(whileLagging).isZero();
      assertThat(afterCatchUp).isPositive();
      assertThat(reads).filteredOn(o -> !o.ok()).isEmpty();
    }
  }

  @Test
  void aNoLoadBalanceTagSetAtRunTimeEmptiesThatReplicasShareAndRemovingItBringsReadsBack(
      PatroniCluster cluster) throws Exception {
    Member tagged = cluster.replicas().get(0);
    try (PatroniHikariDataSource ds = dataSource(cluster)) {
      Workload.createTable(ds);
      Workload load = new Workload(ds, ds.readOnly(), 0, 8);
      Thread.sleep(1500);
      cluster.setTag(tagged, "noloadbalance", true);
      long reportedTagged =
          awaitPatroni(
              cluster, tagged, m -> m.path("tags").has("noloadbalance"), Duration.ofSeconds(20));
      Thread.sleep(3000);
      long untaggedAt = System.nanoTime();
      cluster.setTag(tagged, "noloadbalance", null);
      long reportedUntagged =
          awaitPatroni(
              cluster, tagged, m -> !m.path("tags").has("noloadbalance"), Duration.ofSeconds(20));
      Thread.sleep(3000);
      load.close();

      List<Op> reads = load.reads();
      long bound = Duration.ofMillis(2L * REFRESH_MS).toNanos();
      long whileTagged = readsOn(reads, tagged, reportedTagged + bound, untaggedAt);
      long after = readsOn(reads, tagged, reportedUntagged + bound, Long.MAX_VALUE);
      System.out.printf(
          "noloadbalance: %d reads on %s while tagged (past 2 x refresh), %d after removal%n",
          whileTagged, tagged.name(), after);
      assertThat(readsOn(reads, tagged, 0, reportedTagged)).isPositive();
      assertThat(whileTagged).isZero();
      assertThat(after).isPositive();
    }
  }

  @Test
  void eachFitReplicaServesAFairShareAfterASwitchoverAndAfterAReplicaRejoins(PatroniCluster cluster)
      throws Exception {
    try (PatroniHikariDataSource ds = dataSource(cluster)) {
      Workload.createTable(ds);
      cluster.switchover(cluster.replicas().get(0));
      awaitBothReplicasServe(ds, cluster);
      assertFairShares(ds, cluster, "after a switchover");

      Member rejoining = cluster.replicas().get(1);
      cluster.stop(rejoining);
      Thread.sleep(2000);
      cluster.start(rejoining);
      awaitBothReplicasServe(ds, cluster);
      assertFairShares(ds, cluster, "after " + rejoining.name() + " rejoined");
    }
  }

  /** Waits until the data source's own topology routes reads to both replicas. */
  private static void awaitBothReplicasServe(PatroniHikariDataSource ds, PatroniCluster cluster)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (ds.topology().isPresent()
          && ds.readPools()
              .keySet()
              .containsAll(cluster.replicas().stream().map(Member::name).toList())) {
        List<String> routed =
            ds.topology()
                .map(
                    t ->
                        t.members().stream()
                            .filter(
                                m ->
                                    m.role().isStandby()
                                        && m.isRunning()
                                        && m.lagBytes().isPresent())
                            .map(m -> m.name())
                            .toList())
                .orElse(List.of());
        if (routed.size() == 2) {
          return;
        }
      }
      try (Connection c = ds.readOnly().getConnection()) {
        // one checkout creates the pool of a member whose turn it is
      } catch (java.sql.SQLException e) {
        // still settling
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the read pools never covered both replicas: " + ds.readPools());
  }

  private static void assertFairShares(
      PatroniHikariDataSource ds, PatroniCluster cluster, String when) throws Exception {
    for (int threads : new int[] {2, 16}) {
      Workload load = new Workload(ds, ds.readOnly(), 0, threads);
      Thread.sleep(3000);
      load.close();
      Map<Integer, Long> byPort =
          load.reads().stream()
              .filter(Op::ok)
              .collect(Collectors.groupingBy(Op::port, Collectors.counting()));
      long total = byPort.values().stream().mapToLong(Long::longValue).sum();
      StringBuilder shares = new StringBuilder();
      for (Member replica : cluster.replicas()) {
        long n = byPort.getOrDefault(replica.pgPort(), 0L);
        shares.append(String.format(" %s %.1f%%", replica.name(), 100.0 * n / total));
        assertThat(n)
            .as("%s, %d threads, %s: %s", when, threads, replica.name(), byPort)
            .isGreaterThanOrEqualTo(total / 4);
      }
      System.out.printf("read shares %s, %d threads (%d reads):%s%n", when, threads, total, shares);
    }
  }
}
