package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.patronijdbc.internal.Deadline;
import org.patronijdbc.internal.Engine;
import org.patronijdbc.internal.HostProbe;
import org.patronijdbc.internal.Logins;
import org.patronijdbc.internal.MemberLedger;
import org.patronijdbc.internal.MonitorRegistry;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.Router;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.internal.TopologyMonitor;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens connections for one configuration: routes by the monitor's topology, logs in on the
 * caller's thread, confirms the role on the connection itself and, while no member fits, waits for
 * a newer topology; all of it within one deadline, {@code failoverTimeoutMs}.
 */
final class ClusterConnector implements Engine {

  private static final Logger log = LoggerFactory.getLogger(ClusterConnector.class);
  private static final long FIRST_RETRY_WAIT_MS = 50;
  private static final long MAX_RETRY_WAIT_MS = 1000;

  private final PatroniConfig config;
  private final MonitorRegistry.Lease lease;
  private final TopologyMonitor monitor;
  private final MemberLedger ledger;
  private final Map<TargetServerType, Router> routers = new ConcurrentHashMap<>();
  private final OpenConnections open;
  private final Logins logins = new Logins();
  private final HostProbe probe;
  private final AtomicBoolean hostsChecked = new AtomicBoolean();

  ClusterConnector(PatroniConfig config, MonitorRegistry.Lease lease) {
    this.config = config;
    this.lease = lease;
    this.monitor = lease.monitor();
    this.ledger = monitor.ledger();
    this.open = new OpenConnections(ledger);
    this.probe =
        new HostProbe(
            config.hosts(), config.database(), ledger, logins, config.topologyRefreshMs());
  }

  @Override
  public TopologyMonitor monitor() {
    return monitor;
  }

  @Override
  public PatroniConfig config() {
    return config;
  }

  /** Gives back this connector's share of the monitor. */
  void release() {
    lease.close();
  }

  /** How many connections of this connector are open now. */
  int openConnections() {
    return open.count();
  }

  /** This configuration's router for {@code type}, one per type so turns go round. */
  @Override
  public Router router(TargetServerType type) {
    return routers.computeIfAbsent(
        type,
        t ->
            new Router(
                t,
                config.maxReplicationLagBytes(),
                config.readFallbackToPrimary(),
                config.replicaSelection(),
                ledger::openConnections));
  }

  /**
   * A connection to a member fit for {@code type}, waiting for one up to {@code failoverTimeoutMs}.
   *
   * @param user overrides the configured user (and its password) when not null
   * @throws SQLException 08001 when no fit member answers in time, with the last login failure as
   *     its cause; the server's own SQLState at once when a login fails for a reason no retry fixes
   *     (class 28, 3D000, ...); 22023 at once when the local set-up cannot work
   */
  PatroniConnection connect(TargetServerType type, String user, String password)
      throws SQLException {
    Deadline deadline = Deadline.afterMillis(config.failoverTimeoutMs());
    Properties props = properties(type, user, password);
    Map<String, String> failures = new LinkedHashMap<>();
    SQLException lastFailure = null;
    Router.Route route = null;
    Optional<ClusterTopology> topology = Optional.empty();
    long retryWaitMs = FIRST_RETRY_WAIT_MS;
    while (true) {
      checkOpen();
      long seen = monitor.pollCount();
      topology = topology(props, deadline, !failures.isEmpty());
      if (topology.isPresent()) {
        warnIfNoHostIsAMember(topology.get());
        route = router(type).route(topology.get());
        List<ClusterMember> candidates =
            ledger.failingLast(route.candidates(), ClusterMember::name, System.nanoTime());
        // a read that may fall back goes to the leader at once when every fit replica failed:
        // Patroni may not have noticed yet that they are gone
        route.fallback().ifPresent(candidates::add);
        for (ClusterMember member : candidates) {
          if (deadline.isExpired()) {
            break;
          }
          if (!ledger.mayTry(member.name(), System.nanoTime())) {
            failures.putIfAbsent(member.name(), "a login to it failed just before; not tried");
            continue;
          }
          try {
            return open(member, type, route.isFallback(member), props, deadline);
          } catch (SQLException e) {
            lastFailure = failed(member, e, lastFailure);
            failures.put(member.name(), e.getMessage());
          }
        }
        monitor.requestRefresh();
      }
      if (deadline.isExpired()) {
        throw SqlState.NO_FIT_MEMBER.exception(
            explain(type, topology, route, failures), lastFailure);
      }
      try {
        // a newer topology ends the wait at once; else back off, with jitter so that waiting
        // threads do not retry in step
        long jittered = retryWaitMs / 2 + ThreadLocalRandom.current().nextLong(retryWaitMs / 2 + 1);
        monitor.awaitPollAfter(seen, Math.min(deadline.remainingMillis(), jittered));
        retryWaitMs = Math.min(MAX_RETRY_WAIT_MS, retryWaitMs * 2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw SqlState.NO_FIT_MEMBER.exception("interrupted while waiting for a fit member", e);
      }
    }
  }

  /**
   * A connection to {@code member} alone, at once: 08001 at once when it is not fit for {@code
   * type} in the latest topology, or its login fails. For pools that keep one pool per member: they
   * open connections to their member directly, without the wait and the rotation of {@link
   * #connect}.
   */
  PatroniConnection connectTo(TargetServerType type, String member, String user, String password)
      throws SQLException {
    checkOpen();
    Deadline deadline = Deadline.afterMillis(config.failoverTimeoutMs());
    Optional<ClusterTopology> topology = monitor.current();
    if (topology.isEmpty()) {
      throw SqlState.NO_FIT_MEMBER.exception("no topology known yet to find " + member + " in");
    }
    Router.Route route = router(type).route(topology.get(), false);
    Optional<ClusterMember> target =
        route.all().stream().filter(m -> m.name().equals(member)).findFirst();
    if (target.isEmpty()) {
      throw SqlState.NO_FIT_MEMBER.exception(
          member + " is not fit for targetServerType=" + type + " now: " + route.unfit());
    }
    Properties props = properties(type, user, password);
    try {
      return open(target.get(), type, route.isFallback(target.get()), props, deadline);
    } catch (SQLException e) {
      SQLException cause = failed(target.get(), e, null);
      throw SqlState.NO_FIT_MEMBER.exception(member + " failed: " + e.getMessage(), cause);
    }
  }

  /**
   * Classifies a failed attempt on {@code member}: an interrupted caller or a failure no retry
   * fixes is thrown at once; otherwise the failure is returned to be kept as the cause (the earlier
   * one suppressed by it).
   */
  private SQLException failed(ClusterMember member, SQLException e, SQLException earlier)
      throws SQLException {
    if (Thread.currentThread().isInterrupted()) {
      throw SqlState.NO_FIT_MEMBER.exception("interrupted while connecting to " + member.name(), e);
    }
    if (!SqlState.isRetryableLogin(e)) {
      throw SqlState.loginRefused(member.name(), e);
    }
    log.debug("{} - {} failed: {}", monitor.name(), member.name(), e.toString());
    if (earlier != null && earlier != e) {
      e.addSuppressed(earlier);
    }
    return e;
  }

  private Properties properties(TargetServerType type, String user, String password) {
    Properties props = config.connectionProperties(type);
    if (user != null) {
      props.setProperty("user", user);
      // another role never gets the configured password offered
      if (password != null) {
        props.setProperty("password", password);
      } else {
        props.remove("password");
      }
    }
    return props;
  }

  /**
   * Patroni's topology, or, while no REST API answers and either none was ever read or the cached
   * one failed us, what probing the URL's hosts shows.
   */
  private Optional<ClusterTopology> topology(
      Properties props, Deadline deadline, boolean cachedFailed) throws SQLException {
    Optional<ClusterTopology> fromPatroni = monitor.current();
    if (!monitor.restUnreachable() || (fromPatroni.isPresent() && !cachedFailed)) {
      return fromPatroni;
    }
    return Optional.of(probe.probe(props, deadline));
  }

  /**
   * Logs in to {@code member}, registers the connection (so a reroute can abort it from now on),
   * confirms its role within {@code deadline}, and hands it out unless the member stopped being fit
   * for {@code type} meanwhile.
   */
  private PatroniConnection open(
      ClusterMember member,
      TargetServerType type,
      boolean fallback,
      Properties props,
      Deadline deadline)
      throws SQLException {
    Connection c;
    try {
      c = logins.open(member.name(), member.address(), config.database(), props, deadline);
    } catch (SQLException e) {
      if (SqlState.isRetryableLogin(e) && !Thread.currentThread().isInterrupted()) {
        // neither a refused login nor an interrupted caller says anything about reachability
        ledger.failed(member.name(), System.nanoTime());
      }
      if (SqlState.suggestsRoleChange(e.getSQLState(), false)) {
        monitor.requestRefresh();
      }
      throw e;
    }
    PatroniConnection connection =
        new PatroniConnection(c, member.name(), fallback, open::released);
    open.add(connection);
    try {
      checkRole(c, member, type, deadline);
      // A login that began under an older topology must not join late: registered first, so a
      // reroute either sees this connection (and aborts it) or has already published the topology
      // this check reads.
      Optional<String> stale = staleness(member, type);
      if (stale.isPresent()) {
        throw SqlState.NO_FIT_MEMBER.exception(
            member.name() + " changed while the login was under way: " + stale.get());
      }
      return connection;
    } catch (SQLException | RuntimeException e) {
      connection.close();
      monitor.requestRefresh();
      throw e;
    }
  }

  /**
   * The role the member was chosen for, confirmed on the connection within the deadline; a
   * read-only type's connection marked read-only (its session is read-only from the login on, see
   * {@link PatroniConfig#connectionProperties}, so pgjdbc sends nothing for it).
   */
  private static void checkRole(
      Connection c, ClusterMember member, TargetServerType type, Deadline deadline)
      throws SQLException {
    if (type.isReadOnly()) {
      Logins.withinDeadline(
          c,
          deadline,
          () -> {
            c.setReadOnly(true);
            return null;
          });
    }
    boolean standby = Logins.isStandby(c, deadline);
    boolean leader = member.role() == MemberRole.LEADER;
    if (leader && standby) {
      throw SqlState.NO_FIT_MEMBER.exception(
          member.name() + " is leader in Patroni but still in recovery (promotion not finished)");
    }
    if (!leader && !standby) {
      throw SqlState.NO_FIT_MEMBER.exception(
          member.name() + " is a replica in Patroni but accepts writes (promoted meanwhile?)");
    }
  }

  /** Why {@code member} no longer serves {@code type} in the newest topology, or empty. */
  private Optional<String> staleness(ClusterMember member, TargetServerType type) {
    Optional<ClusterTopology> now = monitor.current();
    if (now.isEmpty() || monitor.restUnreachable()) {
      return Optional.empty(); // routed from a probe: nothing newer to compare with
    }
    Router.Route route = router(type).route(now.get(), false); // the snapshot's split, no turn
    return route.includes(member.name())
        ? Optional.empty()
        : Optional.of("not fit for targetServerType=" + type + " any more (" + route.unfit() + ")");
  }

  /** Warns once when Patroni's members are none of the URL's hosts: a typo, or another cluster. */
  private void warnIfNoHostIsAMember(ClusterTopology topology) {
    if (topology.source() == ClusterTopology.Source.PROBE
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

  /**
   * Aborts every open connection to {@code member} and calls off the logins under way to it:
   * threads blocked on it get an error at once instead of waiting for a socket timeout.
   *
   * @return how many were aborted or called off
   */
  int abortConnections(String member) {
    int aborted = logins.cancel(member, member + " lost its role while the login was under way");
    aborted += open.abort(member, monitor.name());
    if (aborted > 0) {
      log.warn("{} - aborted {} connection(s) to {}", monitor.name(), aborted, member);
    }
    return aborted;
  }

  private void checkOpen() throws SQLException {
    if (monitor.isClosed()) {
      // closed under a waiting connect: the monitor will never poll again
      throw SqlState.CONNECTION_DOES_NOT_EXIST.exception(
          "this data source was closed while the connect waited");
    }
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
}
