package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Each fault on the run's shared cluster, checked on the members themselves through SQL: the same
 * scenarios on both kinds of cluster ({@link PatroniClusterFaultsIT}, {@link
 * ContainerClusterFaultsIT}).
 */
abstract class ClusterFaultScenarios {

  static final Duration GENEROUS = Duration.ofSeconds(60);

  @Test
  void switchoverMovesTheLeader(PatroniCluster cluster) throws Exception {
    Member oldLeader = cluster.leader();
    Member candidate = cluster.replicas().get(0);

    Member newLeader = cluster.switchover(candidate);

    assertThat(newLeader.name()).isEqualTo(candidate.name());
    assertThat(cluster.isInRecovery(candidate)).isFalse();
    cluster.awaitHealthy(GENEROUS);
    assertThat(cluster.isInRecovery(oldLeader)).isTrue();
  }

  @Test
  void crashOfTheLeaderYieldsANewLeader(PatroniCluster cluster) throws Exception {
    Member oldLeader = cluster.leader();

    cluster.crash(oldLeader);

    Member newLeader = cluster.awaitNewLeader(oldLeader, GENEROUS);
    assertThat(cluster.isInRecovery(newLeader)).isFalse();
    cluster.awaitHealthy(GENEROUS);
    assertThat(cluster.isInRecovery(oldLeader)).isTrue();
  }

  @Test
  void frozenLeaderIsReplacedAfterTheTtlAndRejoinsAsReplicaWhenThawed(PatroniCluster cluster)
      throws Exception {
    Member oldLeader = cluster.leader();
    long frozenAt = System.nanoTime();

    cluster.freeze(oldLeader);

    Member newLeader = cluster.awaitNewLeader(oldLeader, GENEROUS);
    Duration replacedAfter = Duration.ofNanos(System.nanoTime() - frozenAt);
    // The leader key outlives the freeze by up to ttl (10 s); it cannot expire much sooner.
    assertThat(replacedAfter).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(40));
    assertThat(cluster.isInRecovery(newLeader)).isFalse();

    cluster.thaw(oldLeader);

    cluster.awaitHealthy(GENEROUS);
    Member rejoined = cluster.member(oldLeader.name());
    assertThat(rejoined.isReplica()).as("%s", rejoined).isTrue();
    assertThat(cluster.isInRecovery(oldLeader)).isTrue();
  }

  @Test
  void frozenPatroniSilencesTheRestApiWhilePostgresKeepsServing(PatroniCluster cluster)
      throws Exception {
    Member replica = cluster.replicas().get(0);
    PatroniRest rest = new PatroniRest();
    assertThat(rest.status(replica.restUrl(), "/patroni")).isEqualTo(200);

    cluster.freezePatroni(replica);

    assertThat(rest.status(replica.restUrl(), "/patroni")).isEqualTo(-1);
    try (Connection c = cluster.connect(replica);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT host(inet_server_addr()), inet_server_port(), pg_is_in_recovery()")) {
      rs.next();
      // the connection reached that very member
      if (cluster instanceof ContainerPatroniCluster containers) {
        assertThat(rs.getString(1)).isEqualTo(containers.networkAddress(replica));
      } else {
        assertThat(rs.getInt(2)).isEqualTo(replica.pgPort());
      }
      assertThat(rs.getBoolean(3)).isTrue();
    }

    cluster.thawPatroni(replica);

    assertThat(rest.status(replica.restUrl(), "/patroni")).isEqualTo(200);
  }

  @Test
  void stoppedMemberLeavesTheClusterAndRejoinsWhenStarted(PatroniCluster cluster) throws Exception {
    Member replica = cluster.replicas().get(0);

    cluster.stop(replica);

    // Patroni keeps a stopped member's key (state "stopped") until it expires.
    assertThat(cluster.members())
        .filteredOn(m -> m.name().equals(replica.name()))
        .allSatisfy(m -> assertThat(m.isRunning()).isFalse());
    assertThatThrownBy(() -> cluster.isInRecovery(replica)).isInstanceOf(SQLException.class);

    cluster.start(replica);

    cluster.awaitHealthy(GENEROUS);
    assertThat(cluster.isInRecovery(replica)).isTrue();
  }
}
