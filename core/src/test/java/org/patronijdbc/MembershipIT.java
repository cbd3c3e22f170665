package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/** A cluster of its own: n3 carries noloadbalance, and a member joins at run time. */
class MembershipIT {

  private static PatroniCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = PatroniCluster.builder().members(3).tag("n3", "noloadbalance", true).start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void noLoadBalanceMemberGetsNoReadsAndAnAddedMemberDoes() throws Exception {
    Member leader = cluster.leader();
    Member tagged = cluster.member("n3");
    assertThat(tagged.isReplica()).isTrue();
    try (PatroniDataSource ds =
        new PatroniDataSource(cluster.jdbcUrl("postgres", "topologyRefreshMs=200"))) {
      ds.setUser(PatroniCluster.SUPERUSER);
      ds.setPassword(PatroniCluster.PASSWORD);

      Set<Integer> seen = readPorts(ds, 8);
      assertThat(seen).doesNotContain(tagged.pgPort(), leader.pgPort()).hasSize(1);

      // The URL lists n1..n3 only: n4 is found through Patroni (discoverMembers).
      Member added = cluster.addMember();
      awaitInTopology(ds, added.name());

      assertThat(readPorts(ds, 8)).contains(added.pgPort()).doesNotContain(tagged.pgPort());
    }
  }

  @Test
  void aUrlNamingItsHostsReachesTheMembersPatroniReportsByAddress() throws Exception {
    // Patroni reports 127.0.0.1; the URL names its hosts, and with discoverMembers=false only
    // what those names resolve to (HostLookups) lets a member in
    String url =
        cluster.jdbcUrl("postgres", "discoverMembers=false").replace("127.0.0.1", "localhost");
    assertThat(url).doesNotContain("127.0.0.1");
    Member leader = cluster.leader();
    try (PatroniDataSource ds = new PatroniDataSource(url)) {
      ds.setUser(PatroniCluster.SUPERUSER);
      ds.setPassword(PatroniCluster.PASSWORD);
      try (Connection c = ds.getConnection()) {
        ServerSide server = ServerSide.of(c);
        assertThat(server.inRecovery()).isFalse();
        assertThat(server.port()).isEqualTo(leader.pgPort());
      }
      assertThat(readPorts(ds, 4)).doesNotContain(leader.pgPort()).isNotEmpty();
      assertThat(ds.topology().orElseThrow().refused())
          .noneMatch(line -> line.contains("n1") || line.contains("n2") || line.contains("n3"));
    }
  }

  private static Set<Integer> readPorts(PatroniDataSource ds, int connections) throws Exception {
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < connections; i++) {
      try (Connection c = ds.readOnly().getConnection()) {
        ServerSide server = ServerSide.of(c);
        assertThat(server.inRecovery()).isTrue();
        ports.add(server.port());
      }
    }
    return ports;
  }

  private static void awaitInTopology(PatroniDataSource ds, String member) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (ds.topology()
          .flatMap(t -> t.member(member))
          .filter(m -> m.isRunning() && m.lagBytes().isPresent())
          .isPresent()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(member + " never appeared in " + ds.topology());
  }
}
