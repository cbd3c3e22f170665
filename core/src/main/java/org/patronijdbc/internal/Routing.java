package org.patronijdbc.internal;

import java.sql.SQLException;
import java.util.Objects;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterTopology;

/**
 * How patroni-jdbc's own modules (the pools, the metrics, the health check) ask a {@link
 * PatroniDataSource} where it would route, without that being API: {@code PatroniDataSource}
 * installs its side once, when its class is initialized.
 */
public final class Routing {

  /** A data source's router for one target server type. */
  public interface Access {
    /** The router {@code dataSource} uses for {@code type}. */
    Router router(PatroniDataSource dataSource, TargetServerType type) throws SQLException;
  }

  private static volatile Access access;

  private Routing() {}

  /**
   * Called once, by {@code PatroniDataSource}'s static initializer.
   *
   * @throws IllegalStateException on a second call
   */
  public static synchronized void install(Access routerAccess) {
    if (access != null) {
      throw new IllegalStateException("Routing access is installed already");
    }
    access = Objects.requireNonNull(routerAccess);
  }

  /**
   * Where {@code dataSource} would send a connection of {@code type} on {@code topology}, and why
   * the other members are left out: the fit members in {@code replicaSelection} order, then the
   * fallback. With {@code takeTurn} the rotation moves on, as for a real connection; without, it
   * stays where it is (to learn who is fit). Opens nothing.
   */
  public static Router.Route route(
      PatroniDataSource dataSource,
      TargetServerType type,
      ClusterTopology topology,
      boolean takeTurn)
      throws SQLException {
    // an instance exists, so PatroniDataSource's class, and with it the access, is initialized
    return access.router(dataSource, type).route(topology, takeTurn);
  }
}
