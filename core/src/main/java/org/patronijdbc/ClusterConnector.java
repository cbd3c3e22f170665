package org.patronijdbc;

import java.sql.SQLException;
import java.util.ArrayList;
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
import org.patronijdbc.internal.ReadFloor;
import org.patronijdbc.internal.ReadYourWrites;
import org.patronijdbc.internal.Router;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.internal.TopologyMonitor;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
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
  private final MemberOpener opener;
  private final HostProbe probe;
  private final ReadYourWrites writes;
  private final AtomicBoolean hostsChecked = new AtomicBoolean();

  ClusterConnector(PatroniConfig config, MonitorRegistry.Lease lease) {
    this.config = config;
    this.lease = lease;
    this.monitor = lease.monitor();
    this.ledger = monitor.ledger();
    this.open = new OpenConnections(ledger);
    this.writes =
        new ReadYourWrites(config.readYourWrites(), config.readYourWritesTimeoutMs(), ledger);
    this.opener = new MemberOpener(config, monitor, logins, open, writes, this::router);
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

  @Override
  public ReadYourWrites readYourWrites() {
    return writes;
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
    ReadFloor floor = ReadFloor.of(type, writes);
    Properties props = opener.properties(type, user, password, false);
    Map<String, String> failures = new LinkedHashMap<>();
    SQLException lastFailure = null;
    Router.Route route = null;
    Optional<ClusterTopology> topology = Optional.empty();
    long retryWaitMs = FIRST_RETRY_WAIT_MS;
    while (true) {
      checkOpen();
      long seen = monitor.pollCount();
      topology = topology(props, deadline, !failures.isEmpty());
      boolean behind = false;
      if (topology.isPresent()) {
        warnIfNoHostIsAMember(topology.get());
        route = router(type).route(topology.get());
        List<ClusterMember> candidates =
            floor.leaderOnly()
                ? new ArrayList<>()
                : ledger.failingLast(route.candidates(), ClusterMember::name, System.nanoTime());
        // a read that may fall back goes to the leader at once when every fit replica failed
        // (Patroni may not have noticed yet that they are gone), under a read floor only once
        // the replicas had the time to replay it
        if (!floor.waiting() || candidates.isEmpty()) {
          route.fallback().ifPresent(candidates::add);
        }
        for (ClusterMember member : candidates) {
          if (deadline.isExpired()) {
            break;
          }
          if (!ledger.mayTry(member.name(), System.nanoTime())) {
            failures.putIfAbsent(member.name(), "a login to it failed just before; not tried");
            continue;
          }
          PatroniConnection c;
          try {
            c =
                opener.open(
                    member,
                    topology.get(),
                    type,
                    route.isFallback(member),
                    user,
                    password,
                    deadline);
          } catch (SQLException e) {
            lastFailure = failed(member, e, lastFailure);
            failures.put(member.name(), e.getMessage());
            continue;
          }
          if (!member.role().isStandby()) {
            floor.servedByLeader(c);
            return c;
          }
          if (floor.admits(member.name(), c, deadline)) {
            return c;
          }
          behind = true;
          failures.put(member.name(), ReadFloor.why());
        }
        if ((floor.leaderOnly() || (behind && !floor.waiting())) && route.fallback().isEmpty()) {
          throw SqlState.NO_FIT_MEMBER.exception(
              "no replica of "
                  + monitor.name()
                  + (floor.leaderOnly()
                      ? " may serve this read: a commit before it has no known position"
                      : " replayed the position this read must see within readYourWritesTimeoutMs")
                  + ", and readFallbackToPrimary=false keeps it off the leader",
              lastFailure);
        }
        if (!behind) {
          monitor.requestRefresh();
        }
      }
      if (deadline.isExpired()) {
        throw SqlState.NO_FIT_MEMBER.exception(
            NoFitMember.explain(
                monitor.name(), config, type, topology.orElse(null), route, failures),
            lastFailure);
      }
      try {
        if (behind) {
          floor.pause(); // replay takes milliseconds: no need to wait for a new topology
        } else {
          // a newer topology ends the wait at once; else back off, with jitter so that waiting
          // threads do not retry in step
          long jittered =
              retryWaitMs / 2 + ThreadLocalRandom.current().nextLong(retryWaitMs / 2 + 1);
          monitor.awaitPollAfter(seen, Math.min(deadline.remainingMillis(), jittered));
          retryWaitMs = Math.min(MAX_RETRY_WAIT_MS, retryWaitMs * 2);
        }
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
    try {
      return opener.open(
          target.get(),
          topology.get(),
          type,
          route.isFallback(target.get()),
          user,
          password,
          deadline);
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
}
