package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.patronijdbc.topology.ClusterTopology;

/**
 * Reads are never staler than the topology allows, also at the seams: right after a switchover (a
 * replica still on the old timeline receives nothing) and while no REST API answers (the last
 * snapshot's lag figures age out). Every read is checked on the server that served it, and held
 * against what Patroni reported when the library routed it.
 */
@PatroniTest
class ReadFreshnessIT {

  /**
   * One read: when it started and when it had its connection, the server's port, whether it is a
   * standby, the timeline its WAL receiver receives on (-1: none running) and the position it has
   * replayed to.
   */
  record Read(
      long startNanos,
      long acquiredNanos,
      int port,
      boolean inRecovery,
      int receivedTimeline,
      long replayLsn) {}

  /** Readers that record where each read ran. */
  static final class Readers implements AutoCloseable {
    final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
    final AtomicLong failures = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    Readers(DataSource reads, int count) {
      for (int i = 0; i < count; i++) {
        Thread t = new Thread(() -> loop(reads), "fresh-reader-" + i);
        t.start();
        threads.add(t);
      }
    }

    private void loop(DataSource ds) {
      while (running.get()) {
        long start = System.nanoTime();
        try (Connection c = ds.getConnection()) {
          long acquired = System.nanoTime();
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT inet_server_port(), pg_is_in_recovery(),"
                          + " (SELECT received_tli FROM pg_stat_wal_receiver),"
                          + " pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint")) {
            rs.next();
            int tli = rs.getInt(3);
            boolean noReceiver = rs.wasNull();
            reads.add(
                new Read(
                    start,
                    acquired,
                    rs.getInt(1),
                    rs.getBoolean(2),
                    noReceiver ? -1 : tli,
                    rs.getLong(4)));
          }
        } catch (SQLException e) {
          failures.incrementAndGet();
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(30_000);
        assertThat(t.isAlive()).as(t.getName() + " stuck").isFalse();
      }
    }
  }

  private static PatroniHikariDataSource dataSource(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(8);
    return new PatroniHikariDataSource(config);
  }

  private static long timeline(PatroniCluster cluster, Member leader) throws SQLException {
    try (Connection c = cluster.connect(leader);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT timeline_id FROM pg_control_checkpoint()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void noReadRunsOnAMemberStillOnTheOldTimelineUntilPatroniReportsItOnTheNewOne(
      PatroniCluster cluster) throws Exception {
    Member candidate = cluster.replicas().get(0);
    try (PatroniHikariDataSource ds = dataSource(cluster.jdbcUrl("postgres"))) {
      long before = ds.topology().orElseThrow().leaderTimeline();
      AtomicLong seenAt = new AtomicLong();
      AtomicLong newTimeline = new AtomicLong();
      // what Patroni reported each member's timeline to be, from when the library acted on it
      ConcurrentLinkedQueue<Reported> reported = new ConcurrentLinkedQueue<>();
      // registered after the pools' own listener: when it runs, the pools have rerouted
      ds.unwrap(org.patronijdbc.PatroniDataSource.class)
          .addTopologyListener(
              change -> {
                ClusterTopology t = change.current();
                Map<Integer, Long> timelines = new HashMap<>();
                t.members().forEach(m -> timelines.put(m.port(), m.timeline()));
                reported.add(new Reported(System.nanoTime(), timelines));
                if (t.leaderTimeline() > before && seenAt.get() == 0) {
                  newTimeline.set(t.leaderTimeline());
                  seenAt.set(System.nanoTime());
                }
              });
      Readers readers = new Readers(ds.readOnly(), 8);
      Thread.sleep(1000);
      cluster.switchover(candidate);
      cluster.awaitHealthy(Duration.ofSeconds(60));
      Thread.sleep(3000);
      long end = System.nanoTime();
      readers.close();

      assertThat(seenAt.get()).as("the library saw the new timeline").isPositive();
      assertThat(newTimeline.get()).isEqualTo(timeline(cluster, cluster.leader()));
      long switchPoint = switchPoint(cluster, newTimeline.get());
      List<Read> after = readers.reads.stream().filter(r -> r.startNanos() > seenAt.get()).toList();
      // The server's side: a replica is on the new timeline when it receives it or has replayed
      // past the point where it branched off (a switchover's old leader writes nothing past that
      // point). The library's promise: no reads on a replica on the old timeline from when the
      // new one is seen until Patroni reports it on the new one. Patroni's report is not the
      // server's state of the moment: right after a switchover it reported a replica on the new
      // timeline, then on the old one, while its WAL receiver restarted (CI, twice).
      List<Read> onOld =
          after.stream()
              .filter(
                  r ->
                      r.inRecovery()
                          && r.receivedTimeline() != newTimeline.get()
                          && r.replayLsn() <= switchPoint)
              .toList();
      List<Read> stale =
          onOld.stream().filter(r -> reportedTimeline(reported, r) < newTimeline.get()).toList();
      long restarting =
          after.stream()
              .filter(
                  r ->
                      r.inRecovery()
                          && r.receivedTimeline() != newTimeline.get()
                          && r.replayLsn() > switchPoint)
              .count();
      long onReplicas =
          after.stream()
              .filter(r -> r.inRecovery() && r.startNanos() > end - 2_000_000_000L)
              .count();
      System.out.printf(
          "ReadFreshnessIT: %d reads after the new timeline %d was seen, %d on a member neither"
              + " receiving it nor past its switch point, %d of them while Patroni reported it on"
              + " the old timeline or none (%d past it, not receiving it: a WAL receiver restarting); %d"
              + " failed reads in all%n",
          after.size(),
          newTimeline.get(),
          onOld.size(),
          stale.size(),
          restarting,
          readers.failures.get());

      if (!stale.isEmpty()) {
        // what the library had been told, to tell a routing fault from a test fault
        reported.forEach(
            r ->
                System.out.printf(
                    "ReadFreshnessIT: reported %+d ms: %s%n",
                    (r.atNanos() - seenAt.get()) / 1_000_000, r.timelines()));
        System.out.printf(
            "ReadFreshnessIT: stale reads acquired from %+d to %+d ms%n",
            (stale.get(0).acquiredNanos() - seenAt.get()) / 1_000_000,
            (stale.get(stale.size() - 1).acquiredNanos() - seenAt.get()) / 1_000_000);
      }
      assertThat(after).isNotEmpty();
      assertThat(stale).isEmpty();
      assertThat(onReplicas).as("reads back on the replicas once they follow").isPositive();
    }
  }

  @Test
  void withNoRestApiAnsweringAReplicaPastTheLagLimitLosesItsReadsWithinTheBound(
      PatroniCluster cluster) throws Exception {
    Member victim = cluster.replicas().get(0);
    try (CuttableRelay relay = new CuttableRelay(cluster.leader().restPort())) {
      String hosts =
          String.join(
              ",", cluster.members().stream().map(m -> m.host() + ":" + m.pgPort()).toList());
      String url =
          "jdbc:patroni:postgresql://"
              + hosts
              + "/postgres?maxReplicationLag=1MB&discoverMembers=false&patroniUrls="
              + "http://127.0.0.1:"
              + relay.port();
      try (PatroniHikariDataSource ds = dataSource(url)) {
        try (Connection c = ds.getConnection();
            Statement s = c.createStatement()) {
          s.execute("CREATE TABLE IF NOT EXISTS filler (id bigint, pad text)");
        }
        Readers readers = new Readers(ds.readOnly(), 8);
        Thread.sleep(2000);
        long cut = System.nanoTime();
        relay.close();
        cluster.pauseReplication(victim);
        try (Connection c = ds.getConnection();
            Statement s = c.createStatement()) {
          s.execute(
              "INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, 30000) g");
        }
        long behind = replayLagBytes(cluster, victim);
        Thread.sleep(10_000);
        readers.close();
        cluster.resumeReplication(victim);

        // 3 x topologyRefreshMs + 2 x patroniTimeoutMs at the defaults
        long bound = Duration.ofSeconds(5).toNanos();
        long lastOnVictim =
            readers.reads.stream()
                .filter(r -> r.port() == victim.pgPort())
                .mapToLong(Read::startNanos)
                .max()
                .orElse(cut);
        long servedLate =
            readers.reads.stream()
                .filter(r -> r.startNanos() > cut + bound + 1_000_000_000L)
                .count();
        System.out.printf(
            "ReadFreshnessIT: REST cut; %s was %d bytes behind; its last read started %d ms after"
                + " the cut (bound %d ms); %d reads served later%n",
            victim.name(), behind, (lastOnVictim - cut) / 1_000_000, bound / 1_000_000, servedLate);

        assertThat(behind).isGreaterThan(1 << 20);
        assertThat(lastOnVictim - cut).isLessThan(bound + 1_000_000_000L);
        assertThat(servedLate).as("reads keep being served").isPositive();
      }
    }
  }

  /**
   * Each member's reported timeline by PostgreSQL port, as the library saw it at {@code atNanos}.
   */
  record Reported(long atNanos, Map<Integer, Long> timelines) {}

  /**
   * The timeline Patroni last reported for the member that served {@code read} when the library
   * handed it its connection (-1: none reported). The test's listener runs just after the pools'
   * own, so a report may be in force up to a moment before it is recorded here: the newer of the
   * reports recorded at that point and 10 ms later counts.
   */
  private static long reportedTimeline(Collection<Reported> reported, Read read) {
    return Math.max(
        reportedAt(reported, read.port(), read.acquiredNanos()),
        reportedAt(reported, read.port(), read.acquiredNanos() + 10_000_000L));
  }

  private static long reportedAt(Collection<Reported> reported, int port, long nanos) {
    long timeline = -1;
    for (Reported r : reported) {
      if (r.atNanos() < nanos) {
        timeline = r.timelines().getOrDefault(port, -1L);
      }
    }
    return timeline;
  }

  /** Where {@code timeline} branched off its parent: the last line of its history file. */
  private static long switchPoint(PatroniCluster cluster, long timeline) throws SQLException {
    String history;
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(String.format("SELECT pg_read_file('pg_wal/%08X.history')", timeline))) {
      rs.next();
      history = rs.getString(1).strip();
    }
    // "<parent timeline>\t<switch point, as 0/5EE9DB8>\t<reason>"
    String lsn = history.substring(history.lastIndexOf('\n') + 1).split("\t")[1];
    int slash = lsn.indexOf('/');
    return (Long.parseLong(lsn.substring(0, slash), 16) << 32)
        | Long.parseLong(lsn.substring(slash + 1), 16);
  }

  /** How far {@code replica} replays behind the leader's current WAL position, in bytes. */
  private static long replayLagBytes(PatroniCluster cluster, Member replica) throws SQLException {
    String leaderLsn;
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()")) {
      rs.next();
      leaderLsn = rs.getString(1);
    }
    try (Connection c = cluster.connect(replica);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT pg_wal_lsn_diff('" + leaderLsn + "', pg_last_wal_replay_lsn())::bigint")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
