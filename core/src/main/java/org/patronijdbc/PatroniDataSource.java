package org.patronijdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;
import org.patronijdbc.internal.Engine;
import org.patronijdbc.internal.MonitorRegistry;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterTopology;

/**
 * An unpooled {@link DataSource} over a Patroni cluster: each {@code getConnection()} opens a
 * pgjdbc connection to a member fit for the configured {@code targetServerType} (the leader by
 * default); {@link #readOnly()} gives a {@code DataSource} for replica reads.
 *
 * <pre>{@code
 * PatroniDataSource ds = new PatroniDataSource();
 * ds.setUrl("jdbc:patroni:postgresql://h1:5432,h2:5432,h3:5432/app?maxReplicationLag=16MB");
 * ds.setUser("app");
 * ds.setPassword("...");
 * DataSource writes = ds;
 * DataSource reads = ds.readOnly();
 * }</pre>
 *
 * <p>Configure it, then use it: the configuration is sealed by the first connection. {@link
 * #close()} gives back its share of the cluster's topology monitor; after it, every call that needs
 * the cluster throws 08003 at once.
 */
public class PatroniDataSource extends DataSourceBase implements AutoCloseable {

  private final Properties properties = new Properties();
  private String url;
  private volatile ClusterConnector connector;
  private volatile boolean closed;

  /** An unconfigured data source; call {@link #setUrl} before use. */
  public PatroniDataSource() {}

  /** A data source for {@code url}. */
  public PatroniDataSource(String url) {
    setUrl(url);
  }

  /** The {@code jdbc:patroni:postgresql://...} URL. */
  public synchronized void setUrl(String url) {
    checkNotStarted();
    this.url = url;
  }

  /** The URL as set. */
  public synchronized String getUrl() {
    return url;
  }

  /** The database user. */
  public void setUser(String user) {
    setProperty("user", user);
  }

  /** The database user's password. */
  public void setPassword(String password) {
    setProperty("password", password);
  }

  /** A {@link PatroniProperty} or pgjdbc property; URL parameters win over it. */
  public synchronized void setProperty(String name, String value) {
    checkNotStarted();
    if (value == null) {
      properties.remove(name);
    } else {
      properties.setProperty(name, value);
    }
  }

  /** A {@link PatroniProperty}. */
  public void setProperty(PatroniProperty property, String value) {
    setProperty(property.getName(), value);
  }

  /** See {@link PatroniProperty#TARGET_SERVER_TYPE}. */
  public void setTargetServerType(String value) {
    setProperty(PatroniProperty.TARGET_SERVER_TYPE, value);
  }

  /** See {@link PatroniProperty#MAX_REPLICATION_LAG}. */
  public void setMaxReplicationLag(String value) {
    setProperty(PatroniProperty.MAX_REPLICATION_LAG, value);
  }

  /** See {@link PatroniProperty#READ_FALLBACK_TO_PRIMARY}. */
  public void setReadFallbackToPrimary(boolean value) {
    setProperty(PatroniProperty.READ_FALLBACK_TO_PRIMARY, String.valueOf(value));
  }

  /** See {@link PatroniProperty#FAILOVER_TIMEOUT_MS}. */
  public void setFailoverTimeoutMs(int value) {
    setProperty(PatroniProperty.FAILOVER_TIMEOUT_MS, String.valueOf(value));
  }

  /** See {@link PatroniProperty#PATRONI_URLS}. */
  public void setPatroniUrls(String value) {
    setProperty(PatroniProperty.PATRONI_URLS, value);
  }

  /**
   * A connection to a member fit for the configured {@code targetServerType}.
   *
   * @throws SQLException 22023 for bad configuration; 08001 when no fit member answers within
   *     {@code failoverTimeoutMs}; 08003 at once after {@link #close()}
   */
  @Override
  public Connection getConnection() throws SQLException {
    ClusterConnector c = connector();
    return c.connect(c.config().targetServerType(), null, null);
  }

  /** As {@link #getConnection()}, as another user. */
  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    ClusterConnector c = connector();
    return c.connect(c.config().targetServerType(), username, password);
  }

  /**
   * A {@code DataSource} for writes: the leader, whatever {@code targetServerType} the
   * configuration names, sharing this one's monitor. The write pool of {@code
   * PatroniHikariDataSource} uses it.
   */
  public DataSource primary() {
    return new RoutedDataSource(
        this,
        "primary()",
        (user, password) -> connector().connect(TargetServerType.PRIMARY, user, password));
  }

  /**
   * A {@code DataSource} for replica reads ({@code targetServerType=replica}, with {@code
   * readOnlyUser} and the fallback to the leader as configured), sharing this one's monitor.
   */
  public DataSource readOnly() {
    return new RoutedDataSource(
        this,
        "readOnly()",
        (user, password) -> connector().connect(TargetServerType.REPLICA, user, password));
  }

  /**
   * Replica reads on {@code member} only, as {@link #readOnly()} would route them: a connection
   * while that member is fit for them (or is the leader they fall back to), else 08001 at once,
   * without waiting. For pools that keep one pool per member.
   */
  public DataSource readOnly(String member) {
    return new RoutedDataSource(
        this,
        "readOnly(" + member + ")",
        (user, password) ->
            connector().connectTo(TargetServerType.REPLICA, member, user, password));
  }

  /**
   * The position this data source's replica reads must see now, as an opaque token an application
   * can carry to another thread or process (a cookie, a message header): the commits this thread
   * made through it ({@code readYourWrites=thread}) or every commit made through it ({@code
   * dataSource}). With {@code readYourWrites=off} no commit is followed.
   */
  public String readPosition() throws SQLException {
    return connector().readYourWrites().token();
  }

  /**
   * Reads on this thread through this data source see at least the position {@code token} names
   * (from {@link #readPosition()}, here or in another process), until the scope closes:
   *
   * <pre>{@code
   * try (ReadScope after = ds.readAfter(token)) {
   *   ... ds.readOnly().getConnection() ...
   * }
   * }</pre>
   *
   * A replica that has not replayed it is skipped; after {@code readYourWritesTimeoutMs} the leader
   * serves the read. A token ahead of the leader (forged, or from another cluster) is clamped to
   * the leader's position then, so it costs one timeout. Anything that is not a token is ignored.
   */
  public ReadScope readAfter(String token) throws SQLException {
    Runnable end = connector().readYourWrites().readAfter(token);
    return end::run;
  }

  /** The cluster's latest topology, if one was read yet. */
  public Optional<ClusterTopology> topology() throws SQLException {
    return connector().monitor().current();
  }

  /** Hears about every later change of the cluster's topology. */
  public void addTopologyListener(TopologyListener listener) throws SQLException {
    connector().monitor().addListener(listener);
  }

  /** Stops telling {@code listener}. */
  public void removeTopologyListener(TopologyListener listener) throws SQLException {
    connector().monitor().removeListener(listener);
  }

  /**
   * Tells patroni-jdbc about an error an application or pool saw: one that suggests a role change
   * (class 08, 57P01-57P03, 25006) makes the monitor look at once and then often until a stable
   * leader is seen.
   */
  public void reportFailure(SQLException e) {
    ClusterConnector c = connector;
    if (c != null && e != null && SqlState.suggestsRoleChange(e.getSQLState(), true)) {
      c.monitor().requestRefresh();
    }
  }

  /**
   * Aborts every open connection of this data source (and its {@link #readOnly()} view) to {@code
   * member}, so threads blocked on a hung member get an error at once. For pools that retire a
   * member's connections when Patroni says it left or lost the leadership.
   *
   * @return how many were aborted
   */
  public int abortConnections(String member) {
    ClusterConnector c = connector;
    return c == null ? 0 : c.abortConnections(member);
  }

  /** Gives back this data source's share of the topology monitor. Idempotent. */
  @Override
  public synchronized void close() {
    if (!closed && connector != null) {
      connector.release();
    }
    closed = true;
  }

  /**
   * Also unwraps to patroni-jdbc's internal {@code Engine}, through which its own pools, metrics
   * and health check ask where this data source routes (not API).
   */
  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface == Engine.class) {
      return iface.cast(connector());
    }
    return super.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface == Engine.class || super.isWrapperFor(iface);
  }

  /** The connector; none after {@link #close()}: a closed data source sends nothing. */
  private ClusterConnector connector() throws SQLException {
    if (closed) {
      throw closedError();
    }
    ClusterConnector c = connector;
    if (c != null) {
      return c;
    }
    synchronized (this) {
      if (closed) {
        throw closedError();
      }
      if (connector == null) {
        if (url == null) {
          throw SqlState.INVALID_PARAMETER.exception(
              "no URL: call setUrl(\"jdbc:patroni:postgresql://...\") first");
        }
        PatroniConfig config = PatroniConfig.parse(url, properties);
        connector = new ClusterConnector(config, MonitorRegistry.acquire(config));
      }
      return connector;
    }
  }

  private static SQLException closedError() {
    return SqlState.CONNECTION_DOES_NOT_EXIST.exception("this PatroniDataSource is closed");
  }

  private void checkNotStarted() {
    if (connector != null || closed) {
      throw new IllegalStateException(
          "the configuration of a PatroniDataSource cannot change once it has been used");
    }
  }

  @Override
  public String toString() {
    return "PatroniDataSource[" + PatroniConfig.redact(url) + "]";
  }
}
