package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.patronijdbc.routing.ReplicaSelection;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

class RouterTest {

  private static ClusterMember member(
      String name, MemberRole role, String state, Long lag, String... tags) {
    Map<String, String> tagMap = tags.length == 0 ? Map.of() : Map.of(tags[0], tags[1]);
    return new ClusterMember(
        name,
        role,
        state,
        "127.0.0.1",
        5432,
        1,
        lag == null ? OptionalLong.empty() : OptionalLong.of(lag),
        tagMap,
        "");
  }

  private static ClusterTopology topology(ClusterMember... members) {
    return new ClusterTopology(
        "demo", List.of(members), Instant.now(), ClusterTopology.Source.PATRONI);
  }

  private static Router router(TargetServerType type, Long maxLag, boolean fallback) {
    return new Router(
        type,
        maxLag == null ? OptionalLong.empty() : OptionalLong.of(maxLag),
        fallback,
        ReplicaSelection.ROUND_ROBIN,
        name -> 0);
  }

  private static List<String> names(Router.Route route) {
    return route.candidates().stream().map(ClusterMember::name).toList();
  }

  private static final ClusterTopology HEALTHY =
      topology(
          member("n1", MemberRole.LEADER, "running", null),
          member("n2", MemberRole.REPLICA, "streaming", 0L),
          member("n3", MemberRole.SYNC_STANDBY, "running", 100L));

  @Test
  void routesWritesToTheLeaderOnly() {
    assertThat(names(router(TargetServerType.PRIMARY, null, true).route(HEALTHY)))
        .containsExactly("n1");
  }

  @Test
  void spreadsReadsOverReplicasRoundRobin() {
    Router router = router(TargetServerType.REPLICA, null, true);
    Set<String> firsts = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      Router.Route route = router.route(HEALTHY);
      assertThat(route.candidates()).hasSize(2).noneMatch(m -> m.role() == MemberRole.LEADER);
      firsts.add(route.candidates().get(0).name());
    }
    assertThat(firsts).containsExactlyInAnyOrder("n2", "n3");
  }

  @Test
  void keepsLaggingUnknownLagNoLoadBalanceAndStoppedReplicasOutOfReads() {
    ClusterTopology t =
        topology(
            member("n1", MemberRole.LEADER, "running", null),
            member("lagging", MemberRole.REPLICA, "streaming", 20_000_000L),
            member("unknown", MemberRole.REPLICA, "running", null),
            member("tagged", MemberRole.REPLICA, "running", 0L, "noloadbalance", "true"),
            member("stopped", MemberRole.REPLICA, "stopped", 0L),
            member("fine", MemberRole.REPLICA, "running", 1000L));

    Router.Route route = router(TargetServerType.REPLICA, 16L << 20, true).route(t);

    assertThat(names(route)).containsExactly("fine");
    assertThat(route.unfit())
        .anyMatch(s -> s.startsWith("lagging: lag 20000000 bytes > maxReplicationLag"))
        .contains("unknown: lag unknown", "tagged: tagged noloadbalance", "stopped: state stopped");
  }

  @Test
  void fallsBackToTheLeaderWhenNoReplicaIsFitUnlessTurnedOff() {
    ClusterTopology t =
        topology(
            member("n1", MemberRole.LEADER, "running", null),
            member("n2", MemberRole.REPLICA, "stopped", null));

    Router.Route on = router(TargetServerType.REPLICA, null, true).route(t);
    Router.Route off = router(TargetServerType.REPLICA, null, false).route(t);

    assertThat(on.candidates()).isEmpty();
    assertThat(on.onlyFallback()).isTrue();
    assertThat(on.fallback()).map(ClusterMember::name).hasValue("n1");
    assertThat(off.candidates()).isEmpty();
    assertThat(off.fallback()).isEmpty();
  }

  @Test
  void replicaReadsKeepTheLeaderAsLastResortBehindFitReplicas() {
    Router.Route route = router(TargetServerType.REPLICA, null, true).route(HEALTHY);

    assertThat(names(route)).containsExactlyInAnyOrder("n2", "n3");
    assertThat(route.onlyFallback()).isFalse();
    assertThat(route.fallback()).map(ClusterMember::name).hasValue("n1");
    assertThat(route.isFallback(route.fallback().orElseThrow())).isTrue();
    assertThat(route.isFallback(route.candidates().get(0))).isFalse();
    assertThat(router(TargetServerType.PRIMARY, null, true).route(HEALTHY).fallback()).isEmpty();
  }

  @Test
  void syncReplicaReadsGoToSynchronousStandbysOnly() {
    assertThat(names(router(TargetServerType.SYNC_REPLICA, null, true).route(HEALTHY)))
        .containsExactly("n3");
  }

  @Test
  void preferencesOrderBothRoles() {
    assertThat(names(router(TargetServerType.PREFER_PRIMARY, null, true).route(HEALTHY)).get(0))
        .isEqualTo("n1");
    List<String> preferReplica =
        names(router(TargetServerType.PREFER_REPLICA, null, false).route(HEALTHY));
    assertThat(preferReplica).containsExactlyInAnyOrder("n2", "n3");
    assertThat(names(router(TargetServerType.ANY, null, true).route(HEALTHY)))
        .containsExactlyInAnyOrder("n1", "n2", "n3");
  }

  @Test
  void noRunningLeaderMeansNoWriteCandidate() {
    ClusterTopology t =
        topology(
            member("n1", MemberRole.LEADER, "stopping", null),
            member("n2", MemberRole.REPLICA, "running", 0L));

    Router.Route route = router(TargetServerType.PRIMARY, null, true).route(t);

    assertThat(route.candidates()).isEmpty();
    assertThat(route.unfit()).contains("n1: leader in state stopping", "no running leader");
  }

  @Test
  void standbyLeaderIsReadOnly() {
    ClusterTopology t = topology(member("s1", MemberRole.STANDBY_LEADER, "running", null));

    assertThat(router(TargetServerType.PRIMARY, null, true).route(t).candidates()).isEmpty();
    assertThat(names(router(TargetServerType.REPLICA, null, false).route(t))).containsExactly("s1");
  }

  @Test
  void leastConnectionsPicksTheLeastUsedReplica() {
    Map<String, Integer> open = Map.of("n2", 5, "n3", 1);
    Router router =
        new Router(
            TargetServerType.REPLICA,
            OptionalLong.empty(),
            true,
            ReplicaSelection.LEAST_CONNECTIONS,
            name -> open.getOrDefault(name, 0));
    List<String> firsts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      firsts.add(router.route(HEALTHY).candidates().get(0).name());
    }
    assertThat(firsts).containsOnly("n3");
  }

  @Test
  void theSplitIsComputedOncePerSnapshotHoweverManyRoutesAreTaken() {
    Router router = router(TargetServerType.REPLICA, 1024L, true);
    for (int i = 0; i < 1000; i++) {
      router.route(HEALTHY, i % 2 == 0);
    }
    assertThat(router.computations()).isEqualTo(1);

    ClusterTopology next =
        topology(
            member("n1", MemberRole.LEADER, "running", null),
            member("n2", MemberRole.REPLICA, "streaming", 0L));
    router.route(next);
    router.route(next);
    assertThat(router.computations()).isEqualTo(2);
  }
}
