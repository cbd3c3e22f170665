package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.io.Closeable;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.PatroniProperty;
import org.patronijdbc.ReadScope;
import org.patronijdbc.internal.Engine;
import org.patronijdbc.routing.TargetServerType;
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
 * <p>The pools are configured from the one {@link HikariConfig} (the read pools' size may differ):
 * the write pool named {@code <scope>-write} after the Patroni scope, unless the config names a
 * pool, and one read pool per member that serves reads, {@code <scope>-read-<member>}. They follow
 * every new topology: when the leader changes the write pool retires its connections (idle at once,
 * in-use when returned) and connections to a leader that went away are aborted; a member that stops
 * serving reads (lag past {@code maxReplicationLag}, a {@code noloadbalance} tag, an older
 * timeline, stopped) loses its read pool while the others keep theirs.
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
  private final Engine engine;
  private final HikariDataSource writePool;
  private final ReadPools readPools;
  private final PoolRerouter rerouter;
  private volatile MetricsTrackerFactory metricsTrackerFactory;

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
    try {
      engine = router.unwrap(Engine.class);
    } catch (SQLException e) {
      router.close();
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    TargetServerType urlType = engine.config().targetServerType();
    if (urlType != TargetServerType.PRIMARY) {
      log.warn(
          "the URL's targetServerType={} is not used by PatroniHikariDataSource: its write pool"
              + " always takes the leader, readOnly() the replicas",
          urlType);
    }
    String name =
        config.getPoolName() != null && !config.getPoolName().startsWith("HikariPool-")
            ? config.getPoolName()
            : scopeOr("patroni");
    try {
      writePool =
          pool(config, name + "-write", router.primary(), config.getMaximumPoolSize(), false);
    } catch (RuntimeException e) {
      router.close();
      throw e;
    }
    HikariConfig base = new HikariConfig();
    config.copyStateTo(base); // later changes to the caller's config do not reach new read pools
    String readName = name + "-read";
    readPools =
        new ReadPools(
            readName,
            engine.router(TargetServerType.REPLICA),
            engine.readYourWrites(),
            engine.monitor().ledger(),
            config.getConnectionTimeout(),
            readPoolSize,
            config.getMinimumIdle(),
            member ->
                member.equals(readName)
                    ? pool(base, readName, router.readOnly(), readPoolSize, true)
                    : pool(
                        base,
                        readName + "-" + member,
                        router.readOnly(member),
                        readPoolSize,
                        true));
    rerouter = new PoolRerouter(router, writePool, readPools);
    try {
      // listen first, then start from the current topology: a snapshot in between is not lost
      router.addTopologyListener(rerouter);
      topology().ifPresent(rerouter::start);
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

  private static int readMinimumIdle(HikariConfig base, int size) {
    return Math.min(size, base.getMinimumIdle() < 0 ? size : base.getMinimumIdle());
  }

  /**
   * One pool over {@code source}, configured from {@code base} only through calls every supported
   * HikariCP line accepts (6.x rejects {@code setDriverClassName(null)}; with a data source set,
   * Hikari ignores the driver class and URL anyway).
   */
  private HikariDataSource pool(
      HikariConfig base, String name, DataSource source, int size, boolean reads) {
    HikariConfig c = new HikariConfig();
    base.copyStateTo(c);
    c.setJdbcUrl(null);
    c.setUsername(null);
    c.setPassword(null);
    c.setDataSourceProperties(new java.util.Properties());
    c.setDataSource(source);
    c.setPoolName(name);
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(readMinimumIdle(base, size));
    PatroniExceptionOverride.install(c, engine.monitor(), !reads);
    MetricsTrackerFactory metrics = metricsTrackerFactory;
    if (metrics != null && c.getMetricRegistry() == null && c.getMetricsTrackerFactory() == null) {
      c.setMetricsTrackerFactory(metrics);
    }
    if (reads) {
      c.setReadOnly(true); // Hikari resets each connection to this when it is returned
      c.setInitializationFailTimeout(-1); // a member's pool starts even while it cannot connect
    }
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

  /**
   * Replica reads: each checkout from the pool of the fit replica whose turn it is ({@code
   * replicaSelection}), the leader's only through {@code readFallbackToPrimary}. Its connections
   * are read-only, the leader fallback's included.
   */
  public DataSource readOnly() {
    return readPools;
  }

  /** The write pool itself, for metrics and health checks. */
  public HikariDataSource writePool() {
    return writePool;
  }

  /**
   * The read pools in use now, by member name (named {@code <scope>-read-<member>}), for metrics
   * and health checks. Before Patroni's topology is known, one pool named {@code <scope>-read}.
   */
  public Map<String, HikariDataSource> readPools() {
    return readPools.pools();
  }

  /**
   * Reports every pool's metrics to {@code factory}: the write pool and the read pools, those that
   * exist now and those made later for members that start serving reads. Pools that report already
   * (a factory or registry in the config) keep theirs. For a metrics binder that runs after the
   * pools started, as Spring Boot's do; a factory set in the {@code HikariConfig} reaches every
   * pool too.
   */
  public void setMetricsTrackerFactory(MetricsTrackerFactory factory) {
    metricsTrackerFactory = factory;
    List<HikariDataSource> all = new ArrayList<>(readPools.pools().values());
    all.add(writePool);
    for (HikariDataSource pool : all) {
      synchronized (pool) {
        if (pool.getMetricRegistry() == null && pool.getMetricsTrackerFactory() == null) {
          pool.setMetricsTrackerFactory(factory);
        }
      }
    }
  }

  /**
   * The position this data source's replica reads must see now, as a token to carry to another
   * thread or process: see {@link PatroniDataSource#readPosition()}.
   */
  public String readPosition() throws SQLException {
    return router.readPosition();
  }

  /**
   * Reads on this thread through {@link #readOnly()} see at least the position {@code token} names,
   * until the scope closes: see {@link PatroniDataSource#readAfter(String)}.
   */
  public ReadScope readAfter(String token) throws SQLException {
    return router.readAfter(token);
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
    // the data source first: connection adders still logging in fail at once (08003) instead of
    // holding each pool's shutdown for a login timeout
    router.close();
    if (readPools != null) {
      readPools.close();
    }
    if (writePool != null) {
      writePool.close();
    }
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
    return "PatroniHikariDataSource[" + writePool.getPoolName() + ", " + readPools + "]";
  }
}
