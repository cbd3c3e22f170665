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
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.routing.Router;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code patroni} health check: the cluster as the data source sees it (scope, leader, each
 * member's role, state, lag and whether it serves reads). UP while a running leader is known, and
 * during a failover for up to {@code failoverTimeout} (connections wait that long for the new
 * leader); DOWN once no leader has been seen for longer, or no topology was read in that time.
 * Reads only what the data source already knows: it sends nothing.
 */
final class PatroniHealthIndicator implements HealthIndicator {

  private final PatroniHikariDataSource dataSource;
  private final PatroniDataSource router;
  private final Duration failoverTimeout;
  private final Clock clock;
  private final Instant started;
  private volatile Instant leaderSeenAt;

  PatroniHealthIndicator(
      PatroniHikariDataSource dataSource, Duration failoverTimeout, Clock clock) {
    this.dataSource = dataSource;
    try {
      this.router = dataSource.unwrap(PatroniDataSource.class);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    this.failoverTimeout = failoverTimeout;
    this.clock = clock;
    this.started = clock.instant();
  }

  @Override
  public Health health() {
    Instant now = clock.instant();
    Optional<ClusterTopology> topology;
    try {
      topology = dataSource.topology();
    } catch (SQLException e) {
      return Health.down(e).build();
    }
    if (topology.isEmpty()) {
      boolean waiting = Duration.between(started, now).compareTo(failoverTimeout) <= 0;
      return (waiting ? Health.unknown() : Health.down())
          .withDetail("topology", "none read yet")
          .build();
    }
    ClusterTopology t = topology.get();
    Optional<ClusterMember> leader = t.leader().filter(ClusterMember::isRunning);
    if (leader.isPresent()) {
      leaderSeenAt = t.observedAt();
    }
    Instant seen = leaderSeenAt == null ? started : leaderSeenAt;
    Duration without = Duration.between(seen, now);
    Health.Builder health = without.compareTo(failoverTimeout) <= 0 ? Health.up() : Health.down();
    health.withDetail("scope", t.scope());
    health.withDetail("leader", leader.map(ClusterMember::name).orElse(""));
    if (leader.isEmpty() || Duration.between(t.observedAt(), now).compareTo(failoverTimeout) > 0) {
      health.withDetail("leaderLastSeen", seen.toString());
    }
    health.withDetail("source", t.source().name().toLowerCase(Locale.ROOT));
    health.withDetail("observedAt", t.observedAt().toString());
    if (Duration.between(t.observedAt(), now).compareTo(failoverTimeout) > 0) {
      // the REST API has not answered for that long: what follows may be out of date
      health
          .down()
          .withDetail("stale", "no answer from the Patroni REST API since " + t.observedAt());
    }
    health.withDetail("members", members(t));
    return health.build();
  }

  private Map<String, Object> members(ClusterTopology t) {
    Set<String> readers;
    Map<String, String> why = new LinkedHashMap<>();
    try {
      Router.Route route = router.route(TargetServerType.REPLICA, t, false);
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
