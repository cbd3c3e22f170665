package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The fault scenarios on a shared cluster of containers, and the network faults only containers can
 * make, checked over SQL on the members.
 */
@PatroniTest(containers = true, isolated = true)
class ContainerClusterFaultsIT extends ClusterFaultScenarios {

  @Test
  void isolatedLeaderDemotesItselfAndANewLeaderIsElected(PatroniCluster cluster) throws Exception {
    Member oldLeader = cluster.leader();
    long isolatedAt = System.nanoTime();

    cluster.isolate(oldLeader);

    Member newLeader = cluster.awaitNewLeader(oldLeader, GENEROUS);
    Duration electedAfter = Duration.ofNanos(System.nanoTime() - isolatedAt);
    assertThat(cluster.isInRecovery(newLeader)).isFalse();
    // Patroni on the isolated leader cannot reach etcd: it demotes its PostgreSQL after
    // retry_timeout, while this JVM still reaches it. The shutdown for the demotion waits for the
    // walsenders to give up on the unreachable standbys (wal_sender_timeout, 60 s); meanwhile
    // PostgreSQL takes no connection.
    Duration demoteWithin = Duration.ofSeconds(120);
    awaitInRecovery(cluster, oldLeader, demoteWithin);
    Duration demotedAfter = Duration.ofNanos(System.nanoTime() - isolatedAt);
    System.out.printf(
        "isolated leader %s: %s elected after %d ms, %s demoted after %d ms%n",
        oldLeader.name(),
        newLeader.name(),
        electedAfter.toMillis(),
        oldLeader.name(),
        demotedAfter.toMillis());
    assertThat(new PatroniRest().status("http://127.0.0.1:" + oldLeader.restPort(), "/patroni"))
        .isEqualTo(200);

    cluster.heal(oldLeader);

    cluster.awaitHealthy(GENEROUS);
    assertThat(cluster.member(oldLeader.name()).isReplica()).isTrue();
    assertThat(cluster.isInRecovery(oldLeader)).isTrue();
  }

  @Test
  void partitionCutsThisJvmOffWhileTheMemberStaysInTheCluster(PatroniCluster cluster)
      throws Exception {
    Member replica = cluster.replicas().get(0);

    cluster.partitionFromClient(replica);

    assertThatThrownBy(() -> cluster.isInRecovery(replica)).isInstanceOf(SQLException.class);
    assertThat(new PatroniRest().status(replica.restUrl(), "/patroni")).isEqualTo(-1);
    // the others still see it streaming from the leader
    assertThat(MemberSql.streamingStandbys(cluster.leader())).contains(replica.name());

    cluster.heal(replica);

    assertThat(cluster.isInRecovery(replica)).isTrue();
  }

  private static void awaitInRecovery(PatroniCluster cluster, Member member, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "not asked yet";
    while (System.nanoTime() < deadline) {
      try {
        if (cluster.isInRecovery(member)) {
          return;
        }
        last = "still a primary";
      } catch (SQLException e) {
        last = e.getMessage(); // PostgreSQL restarts as a standby
      }
      Thread.sleep(200);
    }
    throw new AssertionError(member.name() + " did not demote in " + timeout + ": " + last);
  }
}
