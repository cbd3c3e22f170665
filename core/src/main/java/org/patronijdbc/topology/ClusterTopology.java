package org.patronijdbc.topology;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An immutable snapshot of the cluster, swapped whole when a new one is read.
 *
 * @param scope the Patroni scope (cluster name), or empty when Patroni did not report it
 * @param members every member reported
 * @param observedAt when the snapshot was read (for {@link Source#CACHED}: when Patroni last
 *     answered)
 * @param source where it came from
 * @param leaderTimeline the newest leader timeline seen: a replica on an older one receives nothing
 *     from the leader and serves no reads; -1 when unknown
 * @param refused members Patroni reported on hosts the configuration does not allow, one line each
 *     with the member and why ({@code memberHosts}); they are not in {@code members}
 */
public record ClusterTopology(
    String scope,
    List<ClusterMember> members,
    Instant observedAt,
    Source source,
    long leaderTimeline,
    List<String> refused) {

  /** Where a snapshot came from. */
  public enum Source {
    /** {@code GET /cluster} from a Patroni REST API. */
    PATRONI,
    /**
     * Patroni's last answer, published again because no REST API has answered for longer than the
     * bound (three {@code topologyRefreshMs} plus two {@code patroniTimeoutMs}): roles as last
     * reported, lag no longer known.
     */
    CACHED,
    /** Probing the URL's hosts over SQL, because no REST API answered and none was known. */
    PROBE
  }

  /** Creates a snapshot; the lists are copied. */
  public ClusterTopology {
    members = List.copyOf(members);
    refused = List.copyOf(refused);
  }

  /** A snapshot that refused no member. */
  public ClusterTopology(
      String scope,
      List<ClusterMember> members,
      Instant observedAt,
      Source source,
      long leaderTimeline) {
    this(scope, members, observedAt, source, leaderTimeline, List.of());
  }

  /** A snapshot whose newest leader timeline is its own leader's (no history to say otherwise). */
  public ClusterTopology(
      String scope, List<ClusterMember> members, Instant observedAt, Source source) {
    this(scope, members, observedAt, source, leaderTimeline(members));
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
