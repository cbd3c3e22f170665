package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.Closeable;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.PatroniProperty;
import org.patronijdbc.topology.ClusterTopology;
import org.slf4j.LoggerFactory;

/**
 * Two HikariCP pools over a Patroni cluster: this {@code DataSource} hands out connections to the
 * leader (the write pool), {@link #readOnly()} to fit replicas (the read pool; the leader only when
 * no replica is fit and {@code readFallbackToPrimary} is on).
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setJdbcUrl("jdbc:patroni:postgresql://h1:5432,h2:5432,h3:5432/app?maxReplicationLag=16MB");
 * config.setUsername("app");
 * config.setPassword("...");
 * PatroniHikariDataSource ds = new PatroniHikariDataSource(config);
 * DataSource writes = ds;
 * DataSource reads = ds.readOnly();
 * }</pre>
 *
 * <p>Both pools are configured from the one {@link HikariConfig} (the read pool's size may differ)
 * and named {@code <scope>-write} and {@code <scope>-read} after the Patroni scope, unless the
 * config names a pool. They follow Patroni: when the leader changes the write pool retires its
 * connections (idle at once, in-use when returned) and connections to a leader that went away are
 * aborted; when the fit replicas change the read pool does the same.
 *
 * <p>A {@code getConnection()} waits at most Hikari's {@code connectionTimeout}, also during a
 * failover: the members' {@code failoverTimeoutMs} follows {@code connectionTimeout} unless the URL
 * sets it. Then it fails with Hikari's {@code SQLTransientConnectionException}, whose cause
 * (SQLState 08001) lists each member and why it was unfit.
 */
public class PatroniHikariDataSource implements DataSource, Closeable {

  private static final org.slf4j.Logger log =
      LoggerFactory.getLogger(PatroniHikariDataSource.class);
  private static final Duration FIRST_TOPOLOGY_WAIT = Duration.ofSeconds(3);

  private final PatroniDataSource router;
  private final HikariDataSource writePool;
  private final HikariDataSource readPool;
  private final PoolRerouter rerouter;

  /** Both pools from {@code config}, the read pool as large as the write pool. */
  public PatroniHikariDataSource(HikariConfig config) {
    this(config, config.getMaximumPoolSize());
  }

  /**
   * Both pools from {@code config}, the read pool with its own maximum size.
   *
   * @throws IllegalArgumentException when the config's JDBC URL is not a {@code jdbc:patroni:} URL
   */
  public PatroniHikariDataSource(HikariConfig config, int readPoolSize) {
    String url = config.getJdbcUrl();
    if (url == null || !url.startsWith("jdbc:patroni:")) {
      throw new IllegalArgumentException(
          "PatroniHikariDataSource needs a jdbc:patroni:postgresql://... URL in"
              + " HikariConfig.setJdbcUrl");
    }
    router = new PatroniDataSource(url);
    router.setUser(config.getUsername());
    router.setPassword(config.getPassword());
    config
        .getDataSourceProperties()
        .forEach((k, v) -> router.setProperty(k.toString(), v.toString()));
    if (!url.contains(PatroniProperty.FAILOVER_TIMEOUT_MS.getName() + "=")
        && !config
            .getDataSourceProperties()
            .containsKey(PatroniProperty.FAILOVER_TIMEOUT_MS.getName())) {
      router.setFailoverTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.getConnectionTimeout()));
    }
    String name =
        config.getPoolName() != null && !config.getPoolName().startsWith("HikariPool-")
            ? config.getPoolName()
            : scopeOr("patroni");
    HikariDataSource write = null;
    try {
      write = pool(config, name + "-write", router, config.getMaximumPoolSize());
      readPool = pool(config, name + "-read", router.readOnly(), readPoolSize);
    } catch (RuntimeException e) {
      if (write != null) {
        write.close();
      }
      router.close();
      throw e;
    }
    writePool = write;
    rerouter = new PoolRerouter(router, writePool, readPool);
    try {
      topology().ifPresent(rerouter::start);
      router.addTopologyListener(rerouter);
    } catch (SQLException e) {
      close();
      throw new IllegalStateException("cannot follow the cluster's topology: " + e.getMessage(), e);
    }
  }

  /** A data source for {@code url} with default pool settings. */
  public PatroniHikariDataSource(String url, String user, String password) {
    this(config(url, user, password));
  }

  private static HikariConfig config(String url, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    return config;
  }

  private HikariDataSource pool(HikariConfig base, String name, DataSource source, int size) {
    HikariConfig c = new HikariConfig();
    base.copyStateTo(c);
    c.setJdbcUrl(null);
    c.setDriverClassName(null);
    c.setUsername(null);
    c.setPassword(null);
    c.setDataSourceProperties(new java.util.Properties());
    c.setDataSource(source);
    c.setPoolName(name);
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(Math.min(size, base.getMinimumIdle() < 0 ? size : base.getMinimumIdle()));
    c.setExceptionOverride(new PatroniExceptionOverride(router));
    return new HikariDataSource(c);
  }

  private String scopeOr(String fallback) {
    long deadline = System.nanoTime() + FIRST_TOPOLOGY_WAIT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        Optional<ClusterTopology> t = router.topology();
        if (t.isPresent() && !t.get().scope().isEmpty()) {
          return t.get().scope();
        }
        Thread.sleep(20);
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.warn(
        "no Patroni scope known yet; naming the pools {}-write and {}-read", fallback, fallback);
    return fallback;
  }

  /** A connection to the leader, from the write pool. */
  @Override
  public Connection getConnection() throws SQLException {
    return writePool.getConnection();
  }

  /** Not supported: the pools' credentials come from the {@link HikariConfig}. */
  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "the pools use the HikariConfig's credentials; set readOnlyUser for replica reads");
  }

  /** The read pool: fit replicas, the leader only through {@code readFallbackToPrimary}. */
  public DataSource readOnly() {
    return readPool;
  }

  /** The write pool itself, for metrics and health checks. */
  public HikariDataSource writePool() {
    return writePool;
  }

  /** The read pool itself, for metrics and health checks. */
  public HikariDataSource readPool() {
    return readPool;
  }

  /** The cluster's latest topology, for health endpoints and logs. */
  public Optional<ClusterTopology> topology() throws SQLException {
    return router.topology();
  }

  /** Closes both pools and gives back this data source's share of the topology monitor. */
  @Override
  public void close() {
    try {
      router.removeTopologyListener(rerouter);
    } catch (SQLException | RuntimeException e) {
      // closed already
    }
    if (readPool != null) {
      readPool.close();
    }
    if (writePool != null) {
      writePool.close();
    }
    router.close();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return writePool.isClosed();
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return writePool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    writePool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    writePool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return writePool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("patroni-jdbc logs through SLF4J");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return writePool.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || writePool.isWrapperFor(iface);
  }

  @Override
  public String toString() {
    return "PatroniHikariDataSource["
        + writePool.getPoolName()
        + ", "
        + readPool.getPoolName()
        + "]";
  }
}
