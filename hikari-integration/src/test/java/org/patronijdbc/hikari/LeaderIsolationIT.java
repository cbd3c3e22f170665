package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.ContainerPatroniCluster;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * The split-brain case on a synchronous cluster of containers: the leader is cut off from etcd and
 * the other members while the application keeps reaching it and writes through {@link
 * PatroniHikariDataSource}. No acknowledged write may be lost and the isolated member may
 * acknowledge no write once the new leader is elected: Patroni's synchronous mode guarantees both
 * (the isolated leader's commits wait for a standby it cannot reach), and the test holds the whole
 * stack to them. What the library adds is measured and bounded: writes resume on the new leader
 * shortly after it serves them.
 */
@PatroniTest(containers = true, synchronousMode = true, isolated = true)
class LeaderIsolationIT {

  private static final Duration GENEROUS = Duration.ofSeconds(120);
  private static final int WRITERS = 4;

  /** Patroni's loop_wait in testkit: a /cluster view can be this much older than the DCS. */
  private static final Duration LOOP_WAIT = Duration.ofSeconds(1);

  /** Generous: the library reads the topology every second and reacts to failed writes. */
  private static final Duration RESUME_BOUND = Duration.ofSeconds(10);

  /** One acknowledged write: its id, the server that acknowledged it, when. */
  private record Ack(long id, String server, long atNanos) {}

  private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
  private final Set<Long> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);

  @Test
  void isolatedLeaderLosesNoAcknowledgedWriteAndAcceptsNoneAfterTheElection(
      ContainerPatroniCluster cluster) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(cluster.jdbcUrl("postgres"));
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(WRITERS);
    try (PatroniHikariDataSource ds = new PatroniHikariDataSource(config)) {
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS isolation_writes");
        s.execute("CREATE TABLE isolation_writes (id bigint PRIMARY KEY)");
      }
      List<Thread> writers = new ArrayList<>();
      for (int i = 0; i < WRITERS; i++) {
        Thread t = new Thread(() -> write(ds), "isolation-writer-" + i);
        t.start();
        writers.add(t);
      }
      Thread.sleep(3000);

      Member oldLeader = cluster.leader();
      String isolatedAddress = cluster.networkAddress(oldLeader);
      long isolatedAt = System.nanoTime();
      cluster.isolate(oldLeader);
      // when the test saw it, less the age a /cluster view may have: "after the election" is wider
      long electedAt = awaitElection(cluster, oldLeader) - LOOP_WAIT.toNanos();
      Member newLeader = cluster.awaitNewLeader(oldLeader, GENEROUS);
      long servingAt = System.nanoTime();
      // writes on the new leader while the isolated one still demotes, past the resume bound
      Thread.sleep(RESUME_BOUND.plusSeconds(5).toMillis());
      running.set(false);
      for (Thread t : writers) {
        t.join(Duration.ofSeconds(60).toMillis());
        assertThat(t.isAlive()).as(t.getName() + " still blocked").isFalse();
      }

      // the isolated member keeps what it committed locally until it is healed (and rewound)
      Set<Long> onIsolated = idsWhenAStandby(cluster, oldLeader);
      Set<Long> onNewLeader = ids(cluster, newLeader);
      List<Ack> all = new ArrayList<>(acks);
      Set<Long> lost =
          all.stream()
              .map(Ack::id)
              .filter(id -> !onNewLeader.contains(id))
              .collect(Collectors.toSet());
      List<Ack> acceptedByIsolatedAfterElection =
          all.stream()
              .filter(a -> a.server().equals(isolatedAddress) && a.atNanos() > electedAt)
              .toList();
      Set<Long> divergent = new HashSet<>(onIsolated);
      divergent.removeAll(onNewLeader);
      Duration outage = longestGap(all, isolatedAt);
      String newLeaderAddress = cluster.networkAddress(newLeader);
      long firstOnNewLeader =
          all.stream()
              .filter(a -> a.server().equals(newLeaderAddress) && a.atNanos() > isolatedAt)
              .mapToLong(Ack::atNanos)
              .min()
              .orElse(Long.MAX_VALUE);
      Duration resumedAfterServing = Duration.ofNanos(Math.max(0, firstOnNewLeader - servingAt));
      long failedOnIsolated = failed.stream().filter(onIsolated::contains).count();
      long failedOnNewLeader = failed.stream().filter(onNewLeader::contains).count();
      System.out.printf(
          "leader isolation (%s isolated, %s new leader): %d writes acknowledged, %d lost,"
              + " %d acknowledged by the isolated member after the election; election after %d"
              + " ms, new leader serving after %d ms, first write acknowledged there %d ms later;"
              + " longest write outage %d ms; %d rows"
              + " committed on the isolated member alone (never acknowledged); errors %s, of those"
              + " writes %d on the isolated member, %d on the new leader%n",
          oldLeader.name(),
          newLeader.name(),
          all.size(),
          lost.size(),
          acceptedByIsolatedAfterElection.size(),
          millis(electedAt - isolatedAt),
          millis(servingAt - isolatedAt),
          resumedAfterServing.toMillis(),
          outage.toMillis(),
          divergent.size(),
          errorCounts(),
          failedOnIsolated,
          failedOnNewLeader);

      assertThat(lost).as("acknowledged writes lost").isEmpty();
      assertThat(acceptedByIsolatedAfterElection)
          .as("writes acknowledged by the isolated member after the election")
          .isEmpty();
      assertThat(firstOnNewLeader)
          .as("a write acknowledged on the new leader")
          .isNotEqualTo(Long.MAX_VALUE);
      assertThat(resumedAfterServing).isLessThan(RESUME_BOUND);
      assertThat(all)
          .filteredOn(a -> a.atNanos() > servingAt + RESUME_BOUND.toNanos())
          .as("writes acknowledged once the new leader has served for a while")
          .isNotEmpty()
          .allSatisfy(a -> assertThat(a.server()).isEqualTo(newLeaderAddress));
    } finally {
      running.set(false);
    }
  }

  private void write(PatroniHikariDataSource ds) {
    while (running.get()) {
      long id = ids.incrementAndGet();
      try (Connection c = ds.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO isolation_writes VALUES (?) RETURNING host(inet_server_addr())")) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          acks.add(new Ack(id, rs.getString(1), System.nanoTime()));
        }
      } catch (SQLException e) {
        errors.add(String.valueOf(e.getSQLState()));
        failed.add(id);
        pause();
      }
    }
  }

  /** When Patroni (read through the members that are not cut off) names another leader. */
  private static long awaitElection(PatroniCluster cluster, Member oldLeader) throws Exception {
    long deadline = System.nanoTime() + GENEROUS.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (cluster.members().stream()
            .anyMatch(m -> m.isLeader() && !m.name().equals(oldLeader.name()))) {
          return System.nanoTime();
        }
      } catch (IllegalStateException noAnswer) {
        // no REST API answered this time
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no new leader in " + GENEROUS);
  }

  /** The ids on the isolated member once it has demoted itself (it keeps serving reads). */
  private static Set<Long> idsWhenAStandby(PatroniCluster cluster, Member member) throws Exception {
    long deadline = System.nanoTime() + GENEROUS.toNanos();
    String last = "not asked";
    while (System.nanoTime() < deadline) {
      try {
        if (cluster.isInRecovery(member)) {
          return ids(cluster, member);
        }
        last = "still a primary";
      } catch (SQLException e) {
        last = e.getMessage();
      }
      Thread.sleep(500);
    }
    throw new AssertionError(member.name() + " did not demote in " + GENEROUS + ": " + last);
  }

  private static Set<Long> ids(PatroniCluster cluster, Member member) throws SQLException {
    Set<Long> ids = new HashSet<>();
    try (Connection c = cluster.connect(member);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM isolation_writes")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  /** The longest time without an acknowledged write after {@code from}. */
  private static Duration longestGap(List<Ack> acks, long from) {
    long[] times = acks.stream().mapToLong(Ack::atNanos).filter(t -> t >= from).sorted().toArray();
    long longest = times.length == 0 ? 0 : times[0] - from;
    for (int i = 1; i < times.length; i++) {
      longest = Math.max(longest, times[i] - times[i - 1]);
    }
    return Duration.ofNanos(longest);
  }

  private Map<String, Long> errorCounts() {
    return new TreeMap<>(
        errors.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting())));
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
