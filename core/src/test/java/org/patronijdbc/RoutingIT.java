package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.patronijdbc.topology.ClusterTopology;
import org.postgresql.PGConnection;

/** Routing on a real cluster, every answer checked on the server side. */
@PatroniTest
class RoutingIT {

  private static final String USER = PatroniCluster.SUPERUSER;
  private static final String PASSWORD = PatroniCluster.PASSWORD;

  @Test
  void primaryConnectionsReachTheLeader(PatroniCluster cluster) throws Exception {
    Member leader = cluster.leader();
    for (int i = 0; i < 5; i++) {
      try (Connection c =
          DriverManager.getConnection(cluster.jdbcUrl("postgres"), USER, PASSWORD)) {
        assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(leader.pgPort(), false));
        assertThat(c.unwrap(PGConnection.class)).isNotNull();
        assertThat(c.unwrap(PatroniConnection.class).memberName()).isEqualTo(leader.name());
      }
    }
  }

  @Test
  void replicaConnectionsSpreadOverBothReplicas(PatroniCluster cluster) throws Exception {
    Set<Integer> replicaPorts = ports(cluster.replicas());
    Set<Integer> seen = new HashSet<>();
    String url = cluster.jdbcUrl("postgres", "targetServerType=replica");
    for (int i = 0; i < 6; i++) {
      try (Connection c = DriverManager.getConnection(url, USER, PASSWORD)) {
        ServerSide server = ServerSide.of(c);
        assertThat(server.inRecovery()).isTrue();
        seen.add(server.port());
      }
    }
    assertThat(seen).isEqualTo(replicaPorts);
  }

  @Test
  void replicaPastMaxReplicationLagGetsNoReadsUntilItCatchesUp(PatroniCluster cluster)
      throws Exception {
    Member lagging = cluster.replicas().get(0);
    Member other = cluster.replicas().get(1);
    try (PatroniDataSource ds =
        dataSource(cluster, "maxReplicationLag=1MB", "topologyRefreshMs=200")) {
      cluster.pauseReplication(lagging);
      writeMegabytes(cluster, 4);
      awaitLag(ds, lagging, other, 1 << 20);

      for (int i = 0; i < 6; i++) {
        try (Connection c = ds.readOnly().getConnection()) {
          assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(other.pgPort(), true));
        }
      }

      cluster.resumeReplication(lagging);
      cluster.awaitHealthy(Duration.ofSeconds(60));
      awaitCaughtUp(ds, lagging, 1 << 20);
      Set<Integer> seen = new HashSet<>();
      for (int i = 0; i < 6; i++) {
        try (Connection c = ds.readOnly().getConnection()) {
          seen.add(ServerSide.of(c).port());
        }
      }
      assertThat(seen).contains(lagging.pgPort());
    }
  }

  @Test
  void aFrozenReplicaNeverStallsAConnectPastTheLoginBound(PatroniCluster cluster) throws Exception {
    Member frozen = cluster.replicas().get(0);
    Member other = cluster.replicas().get(1);
    try (PatroniDataSource ds = dataSource(cluster, "failoverTimeoutMs=8000")) {
      try (Connection c = ds.readOnly().getConnection()) {
        assertThat(ServerSide.of(c).inRecovery()).isTrue();
      }

      cluster.freeze(frozen);

      // Patroni reports the frozen replica as fit until its key expires (ttl): connects may try it.
      long started = System.nanoTime();
      for (int i = 0; i < 6; i++) {
        long t = System.nanoTime();
        try (Connection c = ds.readOnly().getConnection()) {
          assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(other.pgPort(), true));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(7));
      }
      // after one stalled login the frozen member goes last for every later connect
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(9));
    }
  }

  @Test
  void withBothReplicasStoppedReadsReachTheLeaderOrFailWithoutFallback(PatroniCluster cluster)
      throws Exception {
    Member leader = cluster.leader();
    for (Member replica : cluster.replicas()) {
      cluster.stop(replica);
    }
    try (PatroniDataSource ds = dataSource(cluster, "topologyRefreshMs=200");
        PatroniDataSource strict =
            dataSource(cluster, "readFallbackToPrimary=false", "failoverTimeoutMs=1500")) {
      try (Connection c = ds.readOnly().getConnection()) {
        assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(leader.pgPort(), false));
        assertThat(c.unwrap(PatroniConnection.class).isReadFallback()).isTrue();
      }
      assertThatThrownBy(() -> strict.readOnly().getConnection())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("targetServerType=replica")
          .hasMessageContaining("failoverTimeoutMs=1500")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
    }
  }

  @Test
  void withEveryRestApiSilentARunningDriverKeepsRoutingAndANewOneProbes(PatroniCluster cluster)
      throws Exception {
    Member leader = cluster.leader();
    try (PatroniDataSource running =
        dataSource(cluster, "topologyRefreshMs=200", "patroniTimeoutMs=300")) {
      try (Connection c = running.getConnection()) {
        assertThat(ServerSide.of(c).port()).isEqualTo(leader.pgPort());
      }
      List<Member> members = cluster.members();
      members.forEach(cluster::freezePatroni);
      Thread.sleep(1000);

      try (Connection c = running.getConnection();
          Connection r = running.readOnly().getConnection()) {
        assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(leader.pgPort(), false));
        assertThat(ServerSide.of(r).inRecovery()).isTrue();
      }
      // Only one REST endpoint: not the same monitor as above, so it never saw Patroni answer.
      String url =
          cluster.multiHostJdbcUrl("postgres").replace("jdbc:", "jdbc:patroni:")
              + "?patroniTimeoutMs=300&patroniUrls="
              + members.get(0).restUrl();
      try (Connection c = DriverManager.getConnection(url, USER, PASSWORD)) {
        assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(leader.pgPort(), false));
      }
      try (Connection c =
          DriverManager.getConnection(url + "&targetServerType=replica", USER, PASSWORD)) {
        assertThat(ServerSide.of(c).inRecovery()).isTrue();
      }
    }
  }

  @Test
  void afterASwitchoverNewPrimaryConnectionsReachTheNewLeaderWithinASecond(PatroniCluster cluster)
      throws Exception {
    Member candidate = cluster.replicas().get(0);
    try (PatroniDataSource ds = dataSource(cluster)) {
      try (Connection c = ds.getConnection()) {
        assertThat(ServerSide.of(c).port()).isEqualTo(cluster.leader().pgPort());
      }
      AtomicLong reportedAt = new AtomicLong();
      Thread watcher =
          new Thread(
              () -> {
                while (reportedAt.get() == 0 && !Thread.currentThread().isInterrupted()) {
                  try {
                    if (cluster.members().stream()
                        .anyMatch(m -> m.name().equals(candidate.name()) && m.isLeader())) {
                      reportedAt.set(System.nanoTime());
                    }
                  } catch (IllegalStateException noAnswer) {
                    // a member's REST API may not answer during the switchover
                  }
                }
              });
      watcher.start();
      AtomicLong connectedAt = new AtomicLong();
      Thread writer =
          new Thread(
              () -> {
                while (connectedAt.get() == 0) {
                  try (Connection c = ds.getConnection()) {
                    ServerSide server = ServerSide.of(c);
                    assertThat(server.inRecovery()).isFalse();
                    if (server.port() == candidate.pgPort()) {
                      connectedAt.set(System.nanoTime());
                    }
                  } catch (SQLException e) {
                    // the old leader refuses while it shuts down; the next attempt reroutes
                  }
                }
              });
      writer.start();

      cluster.switchover(candidate);
      writer.join(Duration.ofSeconds(60).toMillis());
      watcher.join(Duration.ofSeconds(10).toMillis());
      watcher.interrupt();

      assertThat(connectedAt.get()).as("a primary connection reached the new leader").isNotZero();
      assertThat(reportedAt.get()).as("Patroni reported the new leader").isNotZero();
      Duration reroute = Duration.ofNanos(connectedAt.get() - reportedAt.get());
      System.out.println(
          "reroute after Patroni reported the new leader: " + reroute.toMillis() + " ms");
      assertThat(reroute).isLessThan(Duration.ofSeconds(1));
    }
  }

  private static PatroniDataSource dataSource(PatroniCluster cluster, String... params) {
    PatroniDataSource ds = new PatroniDataSource(cluster.jdbcUrl("postgres", params));
    ds.setUser(USER);
    ds.setPassword(PASSWORD);
    return ds;
  }

  private static Set<Integer> ports(List<Member> members) {
    Set<Integer> ports = new HashSet<>();
    members.forEach(m -> ports.add(m.pgPort()));
    return ports;
  }

  private static void writeMegabytes(PatroniCluster cluster, int megabytes) throws SQLException {
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS lag_filler");
      s.execute(
          "CREATE TABLE lag_filler AS SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, "
              + megabytes * 1000
              + ") g");
    }
  }

  /**
   * Waits until the data source's own topology shows {@code lagging} past {@code bytes} and {@code
   * other} within it (the DCS's lag figures trail by a loop_wait, and each member's REST API
   * answers from its own view of the DCS).
   */
  private static void awaitLag(PatroniDataSource ds, Member lagging, Member other, long bytes)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      ClusterTopology t = ds.topology().orElse(null);
      if (t != null
          && t.member(lagging.name()).map(m -> m.lagBytes().orElse(0) > bytes).orElse(false)
          && t.member(other.name())
              .map(m -> m.lagBytes().orElse(Long.MAX_VALUE) <= bytes)
              .orElse(false)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no lag on " + lagging.name() + " alone: " + ds.topology());
  }

  private static void awaitCaughtUp(PatroniDataSource ds, Member member, long bytes)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (ds.topology()
          .flatMap(t -> t.member(member.name()))
          .map(m -> m.isRunning() && m.lagBytes().orElse(Long.MAX_VALUE) <= bytes)
          .orElse(false)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(member.name() + " never caught up: " + ds.topology());
  }
}
