package org.patronijdbc.spring.boot;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.TopologyChange;
import org.patronijdbc.TopologyListener;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.internal.Engine;
import org.patronijdbc.internal.Router;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * The {@code patroni} health check: the cluster as the data source sees it (scope, leader, each
 * member's role, state, lag and whether it serves reads). UP while a running leader is known, and
 * during a failover for up to {@code failoverTimeout} (connections wait that long for the new
 * leader); DOWN once no leader has been known for longer, or no topology was read in that time.
 * Reads only what the data source already knows: it sends nothing. It follows the topology between
 * health requests, so how often it is asked does not change the answer.
 */
final class PatroniHealthCheck implements TopologyListener, AutoCloseable {

  private final PatroniHikariDataSource dataSource;
  private final PatroniDataSource router;
  private final Duration failoverTimeout;
  private final Clock clock;
  private final Instant started;

  /** Since when no running leader is known (kept by the listener), or null while one is. */
  private volatile Instant leaderMissingSince;

  PatroniHealthCheck(PatroniHikariDataSource dataSource, Duration failoverTimeout, Clock clock) {
    this.dataSource = dataSource;
    this.failoverTimeout = failoverTimeout;
    this.clock = clock;
    this.started = clock.instant();
    try {
      this.router = dataSource.unwrap(PatroniDataSource.class);
      router.addTopologyListener(this);
      leaderMissingSince =
          router.topology().filter(PatroniHealthCheck::hasLeader).isPresent() ? null : started;
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static boolean hasLeader(ClusterTopology t) {
    return t.leader().filter(ClusterMember::isRunning).isPresent();
  }

  /** Keeps when the leader went missing, whether anyone asks for health meanwhile or not. */
  @Override
  public void onTopologyChange(TopologyChange change) {
    if (hasLeader(change.current())) {
      leaderMissingSince = null;
    } else if (leaderMissingSince == null) {
      leaderMissingSince = change.current().observedAt();
    }
  }

  @Override
  public void close() {
    try {
      router.removeTopologyListener(this);
    } catch (SQLException e) {
      // the data source is closed: nothing to remove from
    }
  }

  /** The answer now. */
  HealthReport check() {
    Instant now = clock.instant();
    Optional<ClusterTopology> topology;
    try {
      topology = dataSource.topology();
    } catch (SQLException e) {
      return HealthReport.down(e);
    }
    if (topology.isEmpty()) {
      boolean waiting = Duration.between(started, now).compareTo(failoverTimeout) <= 0;
      return (waiting ? HealthReport.unknown() : HealthReport.down())
          .withDetail("topology", "none read yet");
    }
    ClusterTopology t = topology.get();
    Optional<ClusterMember> leader = t.leader().filter(ClusterMember::isRunning);
    HealthReport health = HealthReport.up();
    if (leader.isEmpty()) {
      Instant since = leaderMissingSince;
      if (since == null) {
        since = t.observedAt(); // the listener has not heard of this snapshot yet
      }
      health.withDetail("noLeaderSince", since.toString());
      if (Duration.between(since, now).compareTo(failoverTimeout) > 0) {
        health.markDown();
      }
    }
    if (Duration.between(t.observedAt(), now).compareTo(failoverTimeout) > 0) {
      // the REST API has not answered for that long: what follows may be out of date
      health
          .markDown()
          .withDetail("stale", "no answer from the Patroni REST API since " + t.observedAt());
    }
    health.withDetail("scope", t.scope());
    health.withDetail("leader", leader.map(ClusterMember::name).orElse(""));
    health.withDetail("source", t.source().name().toLowerCase(Locale.ROOT));
    health.withDetail("observedAt", t.observedAt().toString());
    health.withDetail("members", members(t));
    return health;
  }

  private Map<String, Object> members(ClusterTopology t) {
    Set<String> readers;
    Map<String, String> why = new LinkedHashMap<>();
    try {
      Router.Route route =
          router.unwrap(Engine.class).router(TargetServerType.REPLICA).route(t, false);
      readers = route.candidates().stream().map(ClusterMember::name).collect(Collectors.toSet());
      for (String line : route.unfit()) {
        int colon = line.indexOf(": ");
        if (colon > 0) {
          why.put(line.substring(0, colon), line.substring(colon + 2));
        }
      }
    } catch (SQLException e) {
      readers = Set.of();
    }
    Map<String, Object> members = new LinkedHashMap<>();
    for (ClusterMember m : t.members()) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("role", m.role().name().toLowerCase(Locale.ROOT));
      d.put("state", m.state());
      d.put("address", m.address());
      if (m.timeline() >= 0) {
        d.put("timeline", m.timeline());
      }
      m.lagBytes().ifPresent(lag -> d.put("lag", lag));
      d.put(
          "reads",
          readers.contains(m.name()) ? "serves reads" : why.getOrDefault(m.name(), "no reads"));
      members.put(m.name(), d);
    }
    return members;
  }
}
