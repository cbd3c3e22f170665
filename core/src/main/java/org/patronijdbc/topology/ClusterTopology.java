package org.patronijdbc.topology;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An immutable snapshot of the cluster, swapped whole when a new one is read.
 *
 * @param scope the Patroni scope (cluster name), or empty when Patroni did not report it
 * @param members every member reported
 * @param observedAt when the snapshot was read
 * @param source where it came from
 * @param settledTimeline the newest leader timeline that has held for a while: replicas behind it
 *     serve no reads (right after a promotion, replicas still on the old timeline are judged by
 *     their lag, which counts the new leader's writes); -1 when unknown
 */
public record ClusterTopology(
    String scope,
    List<ClusterMember> members,
    Instant observedAt,
    Source source,
    long settledTimeline) {

  /** Where a snapshot came from. */
  public enum Source {
    /** {@code GET /cluster} from a Patroni REST API. */
    PATRONI,
    /** Probing the URL's hosts over SQL, because no REST API answered and none was known. */
    PROBE
  }

  /** Creates a snapshot; the member list is copied. */
  public ClusterTopology {
    members = List.copyOf(members);
  }

  /** A snapshot whose leader's timeline counts as settled (no history to say otherwise). */
  public ClusterTopology(
      String scope, List<ClusterMember> members, Instant observedAt, Source source) {
    this(scope, members, observedAt, source, leaderTimeline(members));
  }

  /** This snapshot with another settled timeline. */
  public ClusterTopology withSettledTimeline(long timeline) {
    return new ClusterTopology(scope, members, observedAt, source, timeline);
  }

  private static long leaderTimeline(List<ClusterMember> members) {
    List<ClusterMember> leaders =
        members.stream().filter(m -> m.role() == MemberRole.LEADER).toList();
    return leaders.size() == 1 ? leaders.get(0).timeline() : -1;
  }

  /** The running leader, if there is exactly one. */
  public Optional<ClusterMember> leader() {
    List<ClusterMember> leaders =
        members.stream().filter(m -> m.role() == MemberRole.LEADER).toList();
    return leaders.size() == 1 && leaders.get(0).isRunning()
        ? Optional.of(leaders.get(0))
        : Optional.empty();
  }

  /** The member called {@code name}. */
  public Optional<ClusterMember> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(scope.isEmpty() ? "cluster" : scope).append(" [");
    for (int i = 0; i < members.size(); i++) {
      ClusterMember m = members.get(i);
      sb.append(i == 0 ? "" : ", ")
          .append(m.name())
          .append(' ')
          .append(m.role().name().toLowerCase(java.util.Locale.ROOT))
          .append(' ')
          .append(m.state());
      m.lagBytes().ifPresent(lag -> sb.append(" lag ").append(lag));
    }
    return sb.append("] from ").append(source.name().toLowerCase(java.util.Locale.ROOT)).toString();
  }
}
