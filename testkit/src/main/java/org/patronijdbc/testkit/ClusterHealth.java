package org.patronijdbc.testkit;

import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What "healthy" means for testkit: one running leader, every other member a caught-up replica
 * streaming from it, and PostgreSQL on each member agreeing with Patroni.
 */
final class ClusterHealth {

  private ClusterHealth() {}

  /**
   * Why {@code view} is not healthy, or empty when it is.
   *
   * @param expected the members that should run
   * @param stopped the members stopped on purpose: Patroni keeps a stopped member in /cluster
   *     (state "stopped") until its key expires, so they are ignored
   * @param synchronousRole the role a synchronous standby has in /cluster ({@code sync_standby}, or
   *     {@code quorum_standby} under quorum commit), empty when the cluster runs asynchronous: then
   *     at least one replica must have it
   */
  static Optional<String> problem(
      List<Member> view,
      Set<String> expected,
      Set<String> stopped,
      Optional<String> synchronousRole) {
    List<Member> live = view.stream().filter(m -> !stopped.contains(m.name())).toList();
    Set<String> reported = live.stream().map(Member::name).collect(Collectors.toSet());
    if (!reported.equals(expected)) {
      return Optional.of("members " + reported + " instead of " + expected);
    }
    List<Member> leaders = live.stream().filter(Member::isLeader).toList();
    if (leaders.size() != 1 || !leaders.get(0).isRunning()) {
      return Optional.of("no single running leader");
    }
    Member leader = leaders.get(0);
    Set<String> replicas = new HashSet<>();
    for (Member m : live) {
      if (m == leader) {
        continue;
      }
      if (!m.isReplica()
          || !m.isRunning()
          || !m.lag().equals(Optional.of(0L))
          || m.timeline() != leader.timeline()) {
        return Optional.of(m.name() + " is not a caught-up replica");
      }
      replicas.add(m.name());
    }
    if (synchronousRole.isPresent()
        && !replicas.isEmpty()
        && live.stream().noneMatch(m -> m.role().equals(synchronousRole.get()))) {
      return Optional.of("no " + synchronousRole.get() + " yet");
    }
    try {
      for (Member m : live) {
        if (MemberSql.isInRecovery(m) != replicas.contains(m.name())) {
          return Optional.of(m.name() + ": pg_is_in_recovery() disagrees with Patroni");
        }
      }
      // A thawed or crashed old leader can look like a caught-up replica (lag 0: it is ahead)
      // before it has been rewound; only the leader's own view of its standbys settles that.
      Set<String> streaming = MemberSql.streamingStandbys(leader);
      if (!streaming.containsAll(replicas)) {
        return Optional.of("leader streams to " + streaming + ", not to all of " + replicas);
      }
    } catch (SQLException e) {
      return Optional.of("a member does not answer SQL: " + e.getMessage());
    }
    return Optional.empty();
  }
}
