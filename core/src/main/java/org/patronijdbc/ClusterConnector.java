package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.patronijdbc.internal.Errors;
import org.patronijdbc.internal.HostProbe;
import org.patronijdbc.internal.Logins;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.Router;
import org.patronijdbc.internal.TopologyMonitor;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens connections for one configuration: routes by the monitor's topology, confirms the role on
 * the connection itself and, while no member fits, waits for a newer topology up to {@code
 * failoverTimeoutMs}.
 */
final class ClusterConnector {

  private static final Logger log = LoggerFactory.getLogger(ClusterConnector.class);
  private static final int DEFAULT_LOGIN_TIMEOUT_S = 5;
  private static final long FIRST_RETRY_WAIT_MS = 50;
  private static final long MAX_RETRY_WAIT_MS = 1000;

  private final PatroniConfig config;
  private final TopologyMonitor monitor;
  private final Map<TargetServerType, Router> routers = new ConcurrentHashMap<>();
  private final Map<String, Set<PatroniConnection>> open = new ConcurrentHashMap<>();
  private final Logins logins = new Logins();
  private final AtomicBoolean hostsChecked = new AtomicBoolean();
  private volatile ClusterTopology probed;
  private volatile long probedAtNanos;

  ClusterConnector(PatroniConfig config, TopologyMonitor monitor) {
    this.config = config;
    this.monitor = monitor;
  }

  TopologyMonitor monitor() {
    return monitor;
  }

  PatroniConfig config() {
    return config;
  }

  /** How many connections of this connector are open now. */
  int openConnections() {
    int count = 0;
    for (Set<PatroniConnection> toMember : open.values()) {
      count += toMember.size();
    }
    return count;
  }

  /**
   * A connection to a member fit for {@code type}.
   *
   * @param user overrides the configured user when not null
   * @throws SQLException 08001 when no fit member answers within failoverTimeoutMs; the server's
   *     own SQLState at once when a login fails for a reason no retry fixes (class 28, 3D000, ...)
   */
  PatroniConnection connect(TargetServerType type, String user, String password)
      throws SQLException {
    return connect(type, user, password, null);
  }

  /**
   * As {@link #connect(TargetServerType, String, String)}, but only to {@code onlyMember} when not
   * null: at once, or 08001 at once when that member is not fit for {@code type} now (a pool per
   * member asks this way, and must not wait for a member that left).
   */
  PatroniConnection connect(TargetServerType type, String user, String password, String onlyMember)
      throws SQLException {
    Router router = router(type);
    Properties props = config.connectionProperties(type);
    if (user != null) {
      props.setProperty("user", user);
      if (password != null) {
        props.setProperty("password", password);
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.failoverTimeoutMs());
    Map<String, String> failures = new LinkedHashMap<>();
    Router.Route route = null;
    long retryWaitMs = FIRST_RETRY_WAIT_MS;
    while (true) {
      if (monitor.isClosed()) {
        // closed under a waiting connect: the monitor will never poll again
        throw new SQLException("this data source was closed while the connect waited", "08003");
      }
      long seen = monitor.pollCount();
      Optional<ClusterTopology> topology = topology(props, deadline, !failures.isEmpty());
      if (topology.isPresent()) {
        warnIfNoHostIsAMember(topology.get());
        // a connect pinned to one member takes no turn of the shared rotation
        route = router.route(topology.get(), onlyMember == null);
        List<ClusterMember> candidates = new ArrayList<>(route.candidates());
        // stable: members that failed to connect lately go last, in routing order
        candidates.sort(Comparator.comparing(m -> monitor.isUnreachable(m.name())));
        // a read that may fall back goes to the leader at once when every fit replica failed:
        // Patroni may not have noticed yet that they are gone
        route.fallback().ifPresent(candidates::add);
        if (onlyMember != null) {
          candidates.removeIf(m -> !m.name().equals(onlyMember));
          if (candidates.isEmpty()) {
            throw Errors.noFitMember(
                onlyMember + " is not fit for targetServerType=" + type + " now: " + route.unfit(),
                null);
          }
        }
        for (ClusterMember member : candidates) {
          long left = millisLeft(deadline);
          if (left <= 0) {
            break;
          }
          if (!monitor.logins().mayTry(member.name())) {
            failures.putIfAbsent(member.name(), "a login to it failed just before; not tried");
            continue;
          }
          try {
            return open(member, type, route.isFallback(member), props, left);
          } catch (SQLException e) {
            if (Thread.currentThread().isInterrupted()) {
              throw Errors.noFitMember("interrupted while connecting to " + member.name(), e);
            }
            if (!Errors.isRetryableLoginFailure(e)) {
              throw Errors.loginRefused(member.name(), e);
            }
            monitor.logins().failed(member.name());
            failures.put(member.name(), e.getMessage());
            log.debug("{} - {} failed: {}", monitor.name(), member.name(), e.toString());
            if (onlyMember != null) {
              throw e;
            }
          }
        }
        if (onlyMember != null) {
          throw Errors.noFitMember(explain(type, topology, route, failures), null);
        }
        monitor.requestRefresh();
      }
      long left = millisLeft(deadline);
      if (left <= 0) {
        throw Errors.noFitMember(explain(type, topology, route, failures), null);
      }
      try {
        // a newer topology ends the wait at once; else back off, with jitter so that waiting
        // threads do not retry in step
        long jittered = retryWaitMs / 2 + ThreadLocalRandom.current().nextLong(retryWaitMs / 2 + 1);
        monitor.awaitPollAfter(seen, Math.min(left, jittered));
        retryWaitMs = Math.min(MAX_RETRY_WAIT_MS, retryWaitMs * 2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Errors.noFitMember("interrupted while waiting for a fit member", e);
      }
    }
  }

  /** This configuration's router for {@code type}, one per type so turns go round. */
  Router router(TargetServerType type) {
    return routers.computeIfAbsent(type, this::newRouter);
  }

  private Router newRouter(TargetServerType type) {
    return new Router(
        type,
        config.maxReplicationLagBytes(),
        config.readFallbackToPrimary(),
        config.replicaSelection(),
        monitor::openConnections);
  }

  /**
   * Patroni's topology, or, while no REST API answers and either none was ever read or the cached
   * one failed us, what probing the URL's hosts shows.
   */
  private Optional<ClusterTopology> topology(Properties props, long deadline, boolean cachedFailed)
      throws SQLException {
    Optional<ClusterTopology> fromPatroni = monitor.current();
    if (!monitor.restUnreachable() || (fromPatroni.isPresent() && !cachedFailed)) {
      return fromPatroni;
    }
    ClusterTopology last = probed;
    if (last == null
        || System.nanoTime() - probedAtNanos
            > TimeUnit.MILLISECONDS.toNanos(config.topologyRefreshMs())) {
      int login = loginSeconds(props, millisLeft(deadline));
      last = HostProbe.probe(config.hosts(), config.database(), props, login);
      probed = last;
      probedAtNanos = System.nanoTime();
      log.info(
          "{} - no Patroni REST API answers; probed the URL's hosts: {}", monitor.name(), last);
    }
    return Optional.of(last);
  }

  private PatroniConnection open(
      ClusterMember member,
      TargetServerType type,
      boolean fallback,
      Properties props,
      long millisLeft)
      throws SQLException {
    int login = loginSeconds(props, millisLeft);
    Connection c;
    try {
      c =
          logins.open(
              member.name(),
              () -> HostProbe.open(member.address(), config.database(), props, login),
              login);
    } catch (SQLException e) {
      if (Errors.isRetryableLoginFailure(e) && !Thread.currentThread().isInterrupted()) {
        // neither a refused login nor an interrupted caller says anything about reachability
        monitor.markUnreachable(member.name());
      }
      if (Errors.suggestsRoleChange(e.getSQLState())) {
        monitor.requestRefresh();
      }
      throw e;
    }
    try {
      boolean standby = HostProbe.isStandby(c, login);
      boolean leader = member.role() == MemberRole.LEADER;
      if (leader && standby) {
        throw new SQLException(
            member.name() + " is leader in Patroni but still in recovery (promotion not finished)",
            Errors.NO_FIT_MEMBER);
      }
      if (!leader && !standby) {
        throw new SQLException(
            member.name() + " is a replica in Patroni but accepts writes (promoted meanwhile?)",
            Errors.NO_FIT_MEMBER);
      }
      if (type.isReadOnly()) {
        c.setReadOnly(true); // readOnlyMode=always: a write fails on the leader fallback too
      }
    } catch (SQLException e) {
      c.close();
      monitor.requestRefresh();
      throw e;
    }
    PatroniConnection connection =
        new PatroniConnection(c, member.name(), fallback, this::released);
    open.computeIfAbsent(member.name(), m -> ConcurrentHashMap.newKeySet()).add(connection);
    monitor.connectionOpened(member.name());
    // A login that began under an older topology must not join late: registered first, so a
    // reroute either sees this connection (and aborts it) or has already published the topology
    // this check reads.
    Optional<String> stale = staleness(member, type);
    if (stale.isPresent()) {
      connection.close();
      throw new SQLException(
          member.name() + " changed while the login was under way: " + stale.get(),
          Errors.NO_FIT_MEMBER);
    }
    return connection;
  }

  /** Why {@code member} no longer serves {@code type} in the newest topology, or empty. */
  private Optional<String> staleness(ClusterMember member, TargetServerType type) {
    Optional<ClusterTopology> now = monitor.current();
    if (now.isEmpty() || monitor.restUnreachable()) {
      return Optional.empty(); // routed from a probe: nothing newer to compare with
    }
    Router.Route route = router(type).route(now.get(), false); // no turn: rotation unskewed
    return route.includes(member.name())
        ? Optional.empty()
        : Optional.of("not fit for targetServerType=" + type + " any more (" + route.unfit() + ")");
  }

  /** Warns once when Patroni's members are none of the URL's hosts: a typo, or another cluster. */
  private void warnIfNoHostIsAMember(ClusterTopology topology) {
    if (topology.source() != ClusterTopology.Source.PATRONI
        || topology.members().isEmpty()
        || !hostsChecked.compareAndSet(false, true)) {
      return;
    }
    boolean anyListed =
        topology.members().stream().anyMatch(m -> config.hosts().contains(m.address()));
    if (!anyListed) {
      log.warn(
          "{} - none of the URL's hosts {} is a member of the cluster Patroni reports ({});"
              + " connections go to the members Patroni names",
          monitor.name(),
          config.hosts(),
          topology.members().stream().map(ClusterMember::address).toList());
    }
  }

  private void released(PatroniConnection connection) {
    Set<PatroniConnection> toMember = open.get(connection.memberName());
    if (toMember != null) {
      toMember.remove(connection);
    }
    monitor.connectionClosed(connection.memberName());
  }

  /**
   * Aborts every open connection to {@code member}: threads blocked on it get an error at once
   * instead of waiting for a socket timeout.
   *
   * @return how many were aborted
   */
  int abortConnections(String member) {
    int aborted = logins.cancel(member, member + " lost its role while the login was under way");
    Set<PatroniConnection> toMember = open.getOrDefault(member, Set.of());
    for (PatroniConnection connection : List.copyOf(toMember)) {
      aborted++;
      // off the caller's thread (the monitor's, shared by the cluster): closing a TLS socket
      // waits for a writer stuck on a frozen member
      Logins.background(
          () -> {
            try {
              connection.abort(Runnable::run);
            } catch (SQLException e) {
              log.debug(
                  "{} - abort of a connection to {} failed: {}",
                  monitor.name(),
                  member,
                  e.toString());
            }
          });
    }
    if (aborted > 0) {
      log.warn("{} - aborted {} connection(s) to {}", monitor.name(), aborted, member);
    }
    return aborted;
  }

  /** Bounds the login: a frozen server accepts TCP and never answers. */
  private static int loginSeconds(Properties props, long millisLeft) {
    int wanted = DEFAULT_LOGIN_TIMEOUT_S;
    String configured = props.getProperty("loginTimeout");
    if (configured != null) {
      try {
        wanted = Math.max(1, Integer.parseInt(configured.trim()));
      } catch (NumberFormatException e) {
        // pgjdbc reports its own property errors
      }
    }
    long left = Math.max(1, (millisLeft + 999) / 1000);
    return (int) Math.min(wanted, left);
  }

  private String explain(
      TargetServerType type,
      Optional<ClusterTopology> topology,
      Router.Route route,
      Map<String, String> failures) {
    StringBuilder sb =
        new StringBuilder("No member of ")
            .append(monitor.name())
            .append(" could serve targetServerType=")
            .append(type)
            .append(" within failoverTimeoutMs=")
            .append(config.failoverTimeoutMs())
            .append(". ");
    if (topology.isEmpty()) {
      sb.append("No topology: no Patroni REST API answered at ")
          .append(config.endpoints())
          .append(" and probing found nothing. ");
    } else {
      sb.append("Topology (from ")
          .append(topology.get().source().name().toLowerCase(java.util.Locale.ROOT))
          .append(", read at ")
          .append(topology.get().observedAt())
          .append("): ");
      if (route != null && !route.unfit().isEmpty()) {
        sb.append("unfit: ").append(String.join("; ", route.unfit())).append(". ");
      }
    }
    if (!failures.isEmpty()) {
      sb.append("Connect attempts failed: ");
      failures.forEach((member, why) -> sb.append(member).append(": ").append(why).append("; "));
    }
    return sb.toString().trim();
  }

  private static long millisLeft(long deadlineNanos) {
    return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
  }
}
