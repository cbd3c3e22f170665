package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.patronijdbc.internal.Deadline;
import org.patronijdbc.internal.HostLookups;
import org.patronijdbc.internal.Logins;
import org.patronijdbc.internal.MemberAddresses;
import org.patronijdbc.internal.MemberLedger;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.ReadYourWrites;
import org.patronijdbc.internal.Router;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.internal.TopologyMonitor;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/**
 * Opens one connection to one member, within the connect's deadline: where the user said the member
 * is ({@link MemberAddresses}), logged in on the caller's thread, registered so a reroute can abort
 * it from then on, its role confirmed on the connection, and handed out only if the member is still
 * fit for the type in the newest topology.
 */
final class MemberOpener {

  private final PatroniConfig config;
  private final TopologyMonitor monitor;
  private final MemberLedger ledger;
  private final Logins logins;
  private final OpenConnections open;
  private final ReadYourWrites writes;
  private final Function<TargetServerType, Router> routers;

  /** Where members are reached, and the URL's names resolved as it was built with. */
  private record Where(Map<String, Set<String>> resolved, MemberAddresses addresses) {}

  private volatile Where where;

  MemberOpener(
      PatroniConfig config,
      TopologyMonitor monitor,
      Logins logins,
      OpenConnections open,
      ReadYourWrites writes,
      Function<TargetServerType, Router> routers) {
    this.config = config;
    this.monitor = monitor;
    this.ledger = monitor.ledger();
    this.logins = logins;
    this.open = open;
    this.writes = writes;
    this.routers = routers;
  }

  Properties properties(TargetServerType type, String user, String password, boolean redirected) {
    Properties props = config.connectionProperties(type, redirected);
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
   * Logs in to {@code member}, registers the connection (so a reroute can abort it from now on),
   * confirms its role within {@code deadline}, and hands it out unless the member stopped being fit
   * for {@code type} meanwhile.
   */
  PatroniConnection open(
      ClusterMember member,
      ClusterTopology topology,
      TargetServerType type,
      boolean fallback,
      String user,
      String password,
      Deadline deadline)
      throws SQLException {
    MemberAddresses where = addresses(deadline);
    String address = where.of(member, topology);
    boolean redirected = !address.equals(member.address());
    Properties props = properties(type, user, password, redirected);
    Connection c;
    try {
      try {
        c = logins.open(member.name(), address, config.database(), props, deadline);
      } catch (SQLException e) {
        if (redirected || !refusedStartupOptions(e)) {
          throw e;
        }
        // a proxy at the address (PgBouncer refuses the startup packet's options): from here on
        // as through a redirected address, read-only per transaction and the role asked
        redirected = true;
        props = properties(type, user, password, true);
        c = logins.open(member.name(), address, config.database(), props, deadline);
      }
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
        open.add(
            c,
            member.name(),
            fallback,
            config.url(),
            writes.isOn() && member.role() == MemberRole.LEADER ? writes : null);
    try {
      checkRole(c, member, type, deadline, redirected);
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

  /** PgBouncer's answer to a startup packet with {@code options}. */
  private static boolean refusedStartupOptions(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("unsupported startup parameter")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The role the member was chosen for, confirmed on the connection within the deadline; a
   * read-only type's connection marked read-only (its session is read-only from the login on, see
   * {@link PatroniConfig#connectionProperties}, so pgjdbc sends nothing for it).
   */
  private static void checkRole(
      Connection c,
      ClusterMember member,
      TargetServerType type,
      Deadline deadline,
      boolean redirected)
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
    // through an address the user gave (a PgBouncer, say) the login's in_hot_standby may be a
    // cached one: the role is asked of the server itself
    boolean standby = Logins.isStandby(c, deadline, !redirected);
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

  /**
   * Where members are reached, with what the URL's names resolve to now; a name never resolved is
   * waited for within the connect's deadline and the REST timeout.
   */
  private MemberAddresses addresses(Deadline deadline) {
    long waitMs = Math.min(deadline.remainingMillis(), config.patroniTimeoutMs());
    Map<String, Set<String>> resolved = HostLookups.SYSTEM.resolveEach(config.hosts(), waitMs);
    Where w = where;
    if (w == null || !w.resolved().equals(resolved)) {
      w = new Where(resolved, new MemberAddresses(config, resolved));
      where = w;
    }
    return w.addresses();
  }

  /** Why {@code member} no longer serves {@code type} in the newest topology, or empty. */
  private Optional<String> staleness(ClusterMember member, TargetServerType type) {
    Optional<ClusterTopology> now = monitor.current();
    if (now.isEmpty() || monitor.restUnreachable()) {
      return Optional.empty(); // routed from a probe: nothing newer to compare with
    }
    Router.Route route =
        routers.apply(type).route(now.get(), false); // the snapshot's split, no turn
    return route.includes(member.name())
        ? Optional.empty()
        : Optional.of("not fit for targetServerType=" + type + " any more (" + route.unfit() + ")");
  }
}
