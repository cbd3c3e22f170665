package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.MemberRole;

/**
 * {@code targetServerType=syncReplica} on Patroni 4's quorum commit ({@code synchronous_mode:
 * quorum}), where a synchronous standby has the role {@code quorum_standby}. Every landing is
 * checked on the server ({@code inet_server_port()}, {@code pg_is_in_recovery()}) against what
 * Patroni and the leader's {@code pg_stat_replication} say. A replica tagged {@code nosync} at run
 * time stays out of the quorum: the asynchronous replica syncReplica must never reach. On Patroni 3
 * the class is disabled by {@link PatroniTest#quorumCommit}.
 */
@PatroniTest(quorumCommit = true, isolated = true) // isolated: its tests tag members
class QuorumCommitIT {

  private static final String USER = PatroniCluster.SUPERUSER;
  private static final String PASSWORD = PatroniCluster.PASSWORD;
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final String SYNC_REPLICA = "targetServerType=syncReplica";
  private static final String NO_FALLBACK = "readFallbackToPrimary=false";

  @Test
  void syncReplicaReadsSpreadOverEveryQuorumStandbyAndNeverReachTheLeader(PatroniCluster cluster)
      throws Exception {
    Member leader = awaitQuorum(cluster, everyReplica(cluster));
    Set<String> quorum = everyReplica(cluster);
    try (PatroniDataSource ds = dataSource(cluster, SYNC_REPLICA, NO_FALLBACK)) {
      awaitDriverSees(ds, quorum);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 8; i++) {
        seen.add(landOnQuorumStandby(cluster, ds, quorum));
      }
      assertThat(seen).isEqualTo(quorum).doesNotContain(leader.name());
    }
  }

  @Test
  void aReplicaTaggedNosyncLeavesTheQuorumAndGetsNoSyncReplicaReads(PatroniCluster cluster)
      throws Exception {
    awaitQuorum(cluster, everyReplica(cluster));
    Member async = cluster.replicas().get(0);
    Member voter = cluster.replicas().get(1);
    cluster.setTag(async, "nosync", true);
    try (PatroniDataSource ds = dataSource(cluster, SYNC_REPLICA, NO_FALLBACK);
        PatroniDataSource anyReplica = dataSource(cluster, "targetServerType=replica")) {
      awaitQuorum(cluster, Set.of(voter.name()));
      awaitDriverSees(ds, Set.of(voter.name()));
      for (int i = 0; i < 6; i++) {
        assertThat(landOnQuorumStandby(cluster, ds, Set.of(voter.name()))).isEqualTo(voter.name());
      }
      // the asynchronous replica still serves plain replica reads: only syncReplica skips it
      Set<Integer> replicaPorts = new HashSet<>();
      for (int i = 0; i < 6; i++) {
        try (Connection c = anyReplica.getConnection()) {
          replicaPorts.add(ServerSide.of(c).port());
        }
      }
      assertThat(replicaPorts).contains(async.pgPort());
    } finally {
      cluster.setTag(async, "nosync", null);
    }
    awaitQuorum(cluster, everyReplica(cluster));
  }

  @Test
  void afterASwitchoverSyncReplicaReadsFollowTheNewQuorumStandbys(PatroniCluster cluster)
      throws Exception {
    Member oldLeader = awaitQuorum(cluster, everyReplica(cluster));
    Member async = cluster.replicas().get(0);
    Member candidate = cluster.replicas().get(1);
    cluster.setTag(async, "nosync", true);
    // failoverTimeoutMs bounds how long the reader below waits for a quorum standby once told to
    // stop
    try (PatroniDataSource ds =
        dataSource(
            cluster,
            SYNC_REPLICA,
            NO_FALLBACK,
            "topologyRefreshMs=200",
            "failoverTimeoutMs=5000")) {
      awaitQuorum(cluster, Set.of(candidate.name()));
      awaitDriverSees(ds, Set.of(candidate.name()));
      assertThat(landOnQuorumStandby(cluster, ds, Set.of(candidate.name())))
          .isEqualTo(candidate.name());

      // Reads go on through the switchover; the replica outside the quorum must never get one,
      // whatever the moment. Connects may fail while no quorum standby is known (no fallback).
      List<Integer> landedPorts = new ArrayList<>();
      AtomicBoolean switching = new AtomicBoolean(true);
      Thread reader =
          new Thread(
              () -> {
                while (switching.get()) {
                  try (Connection c = ds.getConnection()) {
                    int port = ServerSide.of(c).port();
                    synchronized (landedPorts) {
                      landedPorts.add(port);
                    }
                  } catch (SQLException e) {
                    // no quorum standby known for a moment, or a member going down
                  }
                  pause(Duration.ofMillis(20));
                }
              },
              "quorum-reader");
      reader.start();
      try {
        cluster.switchover(candidate);
        Member newLeader = awaitQuorum(cluster, Set.of(oldLeader.name()));
        assertThat(newLeader.name()).isEqualTo(candidate.name());
        awaitDriverSees(ds, Set.of(oldLeader.name()));
      } finally {
        switching.set(false);
        reader.join(Duration.ofSeconds(30).toMillis());
      }
      synchronized (landedPorts) {
        System.out.println(
            "syncReplica reads through the switchover: "
                + landedPorts.size()
                + ", on "
                + async.name()
                + " (outside the quorum): "
                + landedPorts.stream().filter(p -> p == async.pgPort()).count());
        assertThat(landedPorts).isNotEmpty().doesNotContain(async.pgPort());
      }

      // the old leader is a quorum standby now, and the only one
      for (int i = 0; i < 6; i++) {
        assertThat(landOnQuorumStandby(cluster, ds, Set.of(oldLeader.name())))
            .isEqualTo(oldLeader.name());
      }
      try (PatroniDataSource writes = dataSource(cluster);
          Connection c = writes.getConnection()) {
        assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(candidate.pgPort(), false));
      }
    } finally {
      cluster.setTag(async, "nosync", null);
    }
    awaitQuorum(cluster, everyReplica(cluster));
  }

  @Test
  void writesThroughThePrimaryRouteLandOnTheLeaderAndReachAQuorumStandby(PatroniCluster cluster)
      throws Exception {
    Member leader = awaitQuorum(cluster, everyReplica(cluster));
    String token = UUID.randomUUID().toString();
    try (PatroniDataSource writes = dataSource(cluster);
        PatroniDataSource reads = dataSource(cluster, SYNC_REPLICA, NO_FALLBACK)) {
      try (Connection c = writes.getConnection();
          Statement s = c.createStatement()) {
        assertThat(ServerSide.of(c)).isEqualTo(new ServerSide(leader.pgPort(), false));
        assertThat(c.unwrap(PatroniConnection.class).memberName()).isEqualTo(leader.name());
        s.execute("CREATE TABLE IF NOT EXISTS quorum_writes (token text PRIMARY KEY)");
        try (PreparedStatement insert =
            c.prepareStatement("INSERT INTO quorum_writes (token) VALUES (?)")) {
          insert.setString(1, token);
          assertThat(insert.executeUpdate()).isEqualTo(1);
        }
      }
      // COMMIT waited for ANY 1 quorum standby to flush it; replay there follows shortly
      long deadline = System.nanoTime() + SETTLE.toNanos();
      while (true) {
        try (Connection c = reads.getConnection();
            PreparedStatement q =
                c.prepareStatement("SELECT count(*) FROM quorum_writes WHERE token = ?")) {
          assertThat(ServerSide.of(c).inRecovery()).isTrue();
          q.setString(1, token);
          try (ResultSet rs = q.executeQuery()) {
            rs.next();
            if (rs.getInt(1) == 1) {
              return;
            }
          }
        } catch (SQLException tableNotReplayedYet) {
          // the CREATE TABLE may not have been replayed on this standby yet
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the write never became visible on a quorum standby");
        }
        Thread.sleep(100);
      }
    }
  }

  /**
   * Opens a syncReplica connection and checks where it landed: a standby (server side), one of
   * {@code quorum}, which Patroni reports as {@code quorum_standby} and the leader's
   * pg_stat_replication as {@code quorum}.
   *
   * @return the member's name
   */
  private static String landOnQuorumStandby(
      PatroniCluster cluster, PatroniDataSource ds, Set<String> quorum) throws SQLException {
    try (Connection c = ds.getConnection()) {
      String name = c.unwrap(PatroniConnection.class).memberName();
      ServerSide server = ServerSide.of(c);
      assertThat(name).isIn(quorum);
      assertThat(server).isEqualTo(new ServerSide(cluster.member(name).pgPort(), true));
      assertThat(cluster.member(name).role()).isEqualTo("quorum_standby");
      assertThat(quorumOnTheLeader(cluster)).contains(name);
      return name;
    }
  }

  /**
   * Waits until Patroni reports one running leader, exactly {@code quorum} as running quorum
   * standbys and every other member as a running plain replica, and the leader's
   * pg_stat_replication agrees (sync_state {@code quorum} for exactly those).
   *
   * @return the leader
   */
  private static Member awaitQuorum(PatroniCluster cluster, Set<String> quorum)
      throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    String last = "no answer yet";
    while (true) {
      try {
        List<Member> members = cluster.members();
        Optional<Member> leader = members.stream().filter(Member::isLeader).findFirst();
        Set<String> reported =
            members.stream()
                .filter(m -> m.role().equals("quorum_standby") && m.isRunning())
                .map(Member::name)
                .collect(Collectors.toSet());
        boolean othersPlain =
            members.stream()
                .filter(m -> !m.isLeader() && !quorum.contains(m.name()))
                .allMatch(m -> m.role().equals("replica") && m.isRunning());
        if (leader.isPresent()
            && leader.get().isRunning()
            && reported.equals(quorum)
            && othersPlain
            && quorumOnTheLeader(cluster).equals(quorum)) {
          return leader.get();
        }
        last = members.toString();
      } catch (IllegalStateException | SQLException e) {
        last = e.getMessage(); // members come and go during a switchover
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("quorum never became " + quorum + ": " + last);
      }
      Thread.sleep(200);
    }
  }

  /** The standbys the leader's PostgreSQL counts for quorum commit (sync_state {@code quorum}). */
  private static Set<String> quorumOnTheLeader(PatroniCluster cluster) throws SQLException {
    Set<String> names = new HashSet<>();
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT application_name FROM pg_stat_replication WHERE sync_state = 'quorum'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  /** Waits until the data source's own topology shows exactly {@code quorum} as quorum standbys. */
  private static void awaitDriverSees(PatroniDataSource ds, Set<String> quorum) throws Exception {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (System.nanoTime() < deadline) {
      Set<String> seen =
          ds.topology()
              .map(
                  t ->
                      t.members().stream()
                          .filter(m -> m.role() == MemberRole.QUORUM_STANDBY)
                          .map(ClusterMember::name)
                          .collect(Collectors.toSet()))
              .orElse(Set.of());
      if (seen.equals(quorum)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the data source never saw quorum " + quorum + ": " + ds.topology());
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Set<String> everyReplica(PatroniCluster cluster) {
    return cluster.members().stream()
        .filter(m -> !m.isLeader())
        .map(Member::name)
        .collect(Collectors.toSet());
  }

  private static PatroniDataSource dataSource(PatroniCluster cluster, String... params) {
    PatroniDataSource ds = new PatroniDataSource(cluster.jdbcUrl("postgres", params));
    ds.setUser(USER);
    ds.setPassword(PASSWORD);
    return ds;
  }
}
