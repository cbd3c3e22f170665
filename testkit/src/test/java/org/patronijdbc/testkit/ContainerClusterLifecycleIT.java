package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/** Starts and closes a container cluster of its own, so it can watch what it leaves behind. */
class ContainerClusterLifecycleIT {

  @Test
  void startsHealthyAddsAMemberAndLeavesNothingBehind() throws Exception {
    long started = System.nanoTime();
    ContainerPatroniCluster cluster = PatroniCluster.builder().members(2).startInContainers();
    Duration startup = Duration.ofNanos(System.nanoTime() - started);
    try {
      assertThat(startup).isLessThan(Duration.ofSeconds(90));
      assertThat(containersOf(cluster)).hasSize(3); // etcd and two members
      Member added = cluster.addMember();
      assertThat(added.name()).isEqualTo("n3");
      assertThat(cluster.isInRecovery(added)).isTrue();
      List<Member> members = cluster.members();
      assertThat(members).hasSize(3);
      for (Member m : members) {
        assertThat(m.host()).isEqualTo("127.0.0.1");
        assertThat(cluster.isInRecovery(m)).as("%s", m.name()).isEqualTo(!m.isLeader());
        assertThat(cluster.networkAddress(m)).doesNotStartWith("127.");
      }
      assertThat(cluster.jdbcUrl("app"))
          .matches(
              "jdbc:patroni:postgresql://(127\\.0\\.0\\.1:\\d+,){2}127\\.0\\.0\\.1:\\d+/app"
                  + "\\?patroniUrls=(http://127\\.0\\.0\\.1:\\d+,){2}http://127\\.0\\.0\\.1:\\d+"
                  // Patroni reports the members on the cluster's network: memberHosts allows it
                  + "&memberHosts=[0-9.]+/\\d+");
    } finally {
      cluster.close();
    }

    assertThat(containersOf(cluster)).isEmpty();
    assertThat(docker().listNetworksCmd().withIdFilter(cluster.networkId()).exec()).isEmpty();
  }

  private static List<?> containersOf(PatroniCluster cluster) {
    return docker()
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(ContainerPatroniCluster.LABEL, cluster.scope()))
        .exec();
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }
}
