package org.patronijdbc.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.TopologyChange;
import org.patronijdbc.TopologyEvent;
import org.patronijdbc.TopologyListener;
import org.patronijdbc.internal.Engine;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * Micrometer meters for the cluster a patroni-jdbc data source follows, bound from its {@link
 * TopologyListener} (Micrometer must be on the class path; patroni-jdbc does not bring it):
 *
 * <ul>
 *   <li>{@code patroni.leader.changes} (counter): a new leader was seen;
 *   <li>{@code patroni.leader.present} (gauge): 1 while a running leader is known, else 0;
 *   <li>{@code patroni.members} (gauge): members Patroni reports;
 *   <li>{@code patroni.members.readable} (gauge): members fit for this data source's replica reads;
 *   <li>{@code patroni.read.fallbacks} (counter): times replica reads turned to the leader because
 *       no replica was fit;
 *   <li>{@code patroni.rest.requests} (timer, tags {@code endpoint} and {@code outcome=answered} or
 *       {@code failed}): requests to the Patroni REST API.
 * </ul>
 *
 * Every meter carries the tag {@code scope} (the Patroni cluster name). Spring Boot binds it
 * itself; elsewhere:
 *
 * <pre>{@code
 * new PatroniMetrics(dataSource).bindTo(registry);
 * }</pre>
 */
public final class PatroniMetrics implements MeterBinder, AutoCloseable {

  private final PatroniDataSource source;
  private final List<Registered> bound = new CopyOnWriteArrayList<>();

  /**
   * Meters for {@code dataSource}: a {@code PatroniDataSource}, a {@code PatroniHikariDataSource}
   * or anything that unwraps to one.
   *
   * @throws IllegalArgumentException when it is not a patroni-jdbc data source
   */
  public PatroniMetrics(DataSource dataSource) {
    try {
      this.source =
          dataSource instanceof PatroniDataSource p
              ? p
              : dataSource.unwrap(PatroniDataSource.class);
    } catch (SQLException e) {
      throw new IllegalArgumentException(
          "PatroniMetrics needs a patroni-jdbc data source, not " + dataSource, e);
    }
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Tags tags = Tags.of("scope", topology().map(ClusterTopology::scope).orElse("unknown"));
    Registered r = new Registered(registry, tags);
    Gauge.builder("patroni.leader.present", this, m -> m.leaderPresent() ? 1 : 0)
        .tags(tags)
        .description("1 while a running leader is known, else 0")
        .register(registry);
    Gauge.builder("patroni.members", this, m -> m.topology().map(t -> t.members().size()).orElse(0))
        .tags(tags)
        .description("Members Patroni reports")
        .register(registry);
    Gauge.builder("patroni.members.readable", this, PatroniMetrics::readable)
        .tags(tags)
        .description("Members fit for replica reads")
        .register(registry);
    try {
      source.addTopologyListener(r);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot follow the cluster: " + e.getMessage(), e);
    }
    bound.add(r);
  }

  /** Stops counting (the gauges read nothing once the data source is closed). */
  @Override
  public void close() {
    for (Registered r : bound) {
      try {
        source.removeTopologyListener(r);
      } catch (SQLException e) {
        // closed already: nothing to remove from
      }
    }
    bound.clear();
  }

  private Optional<ClusterTopology> topology() {
    try {
      return source.topology();
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  private boolean leaderPresent() {
    return topology().flatMap(ClusterTopology::leader).filter(ClusterMember::isRunning).isPresent();
  }

  private double readable() {
    return topology().map(this::readable).orElse(0);
  }

  private int readable(ClusterTopology t) {
    try {
      return source
          .unwrap(Engine.class)
          .router(TargetServerType.REPLICA)
          .route(t, false)
          .candidates()
          .size();
    } catch (SQLException e) {
      return 0;
    }
  }

  /** Whether replica reads go to the leader now because no replica is fit. */
  private boolean onlyFallback(ClusterTopology t) {
    try {
      return source
          .unwrap(Engine.class)
          .router(TargetServerType.REPLICA)
          .route(t, false)
          .onlyFallback();
    } catch (SQLException e) {
      return false;
    }
  }

  /** The counters of one registry, fed by the monitor's thread. */
  private final class Registered implements TopologyListener {
    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter leaderChanges;
    private final Counter fallbacks;
    private boolean fallingBack;

    Registered(MeterRegistry registry, Tags tags) {
      this.registry = registry;
      this.tags = tags;
      leaderChanges =
          Counter.builder("patroni.leader.changes")
              .tags(tags)
              .description("A new leader was seen")
              .register(registry);
      fallbacks =
          Counter.builder("patroni.read.fallbacks")
              .tags(tags)
              .description("Replica reads turned to the leader: no replica was fit")
              .register(registry);
      fallingBack = topology().map(PatroniMetrics.this::onlyFallback).orElse(false);
    }

    @Override
    public void onTopologyChange(TopologyChange change) {
      for (TopologyEvent e : change.events()) {
        if (e.kind() == TopologyEvent.Kind.LEADER_CHANGED && !e.member().isEmpty()) {
          leaderChanges.increment();
        }
      }
      ClusterTopology t = change.current();
      boolean now = onlyFallback(t);
      if (now && !fallingBack) {
        fallbacks.increment();
      }
      fallingBack = now;
    }

    @Override
    public void onRestRequest(String endpoint, Duration took, boolean answered) {
      Timer.builder("patroni.rest.requests")
          .tags(tags)
          .tag("endpoint", endpoint)
          .tag("outcome", answered ? "answered" : "failed")
          .description("Requests to the Patroni REST API")
          .register(registry)
          .record(took);
    }
  }
}
