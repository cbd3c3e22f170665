package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Starts and closes clusters of its own, so it can watch what they leave behind. */
class PatroniClusterLifecycleIT {

  @Test
  void startsHealthyAddsAMemberAndLeavesNothingBehind() throws Exception {
    long started = System.nanoTime();
    LocalPatroniCluster cluster = PatroniCluster.builder().members(3).start();
    Duration startup = Duration.ofNanos(System.nanoTime() - started);
    try {
      assertThat(startup).isLessThan(Duration.ofSeconds(60));
      assertRolesMatchPostgres(cluster, 3);
      assertThat(cluster.ownProcesses()).isNotEmpty();

      Member added = cluster.addMember();

      assertThat(added.name()).isEqualTo("n4");
      assertThat(added.isReplica()).isTrue();
      assertThat(added.isRunning()).isTrue();
      assertThat(cluster.isInRecovery(added)).isTrue();
      assertRolesMatchPostgres(cluster, 4);
      assertThat(cluster.jdbcUrl("app"))
          .startsWith("jdbc:patroni:postgresql://127.0.0.1:")
          .contains("/app?patroniUrls=http://127.0.0.1:" + cluster.member("n1").restPort() + ",");
      assertThat(cluster.multiHostJdbcUrl("app", "targetServerType=primary"))
          .matches(
              "jdbc:postgresql://(127\\.0\\.0\\.1:\\d+,){3}127\\.0\\.0\\.1:\\d+/app\\?targetServerType=primary");
    } finally {
      cluster.close();
    }

    assertThat(cluster.ownProcesses()).isEmpty();
    assertThat(cluster.directory()).doesNotExist();
    assertThat(Processes.matching(cmd -> cmd.startsWith("postgres: " + cluster.scope()))).isEmpty();
  }

  private static void assertRolesMatchPostgres(PatroniCluster cluster, int size) throws Exception {
    List<Member> members = cluster.members();
    assertThat(members).hasSize(size);
    assertThat(members).filteredOn(Member::isLeader).hasSize(1);
    for (Member m : members) {
      assertThat(cluster.isInRecovery(m))
          .as("pg_is_in_recovery() on %s", m.name())
          .isEqualTo(!m.isLeader());
    }
  }
}
