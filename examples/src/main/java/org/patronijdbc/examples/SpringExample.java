package org.patronijdbc.examples;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/**
 * Example 3: Spring (no Boot). A {@link LazyConnectionDataSourceProxy} over {@link
 * PatroniHikariDataSource} with {@code setReadOnlyDataSource(ds.readOnly())}: methods annotated
 * {@code @Transactional(readOnly = true)} run on replicas, the rest on the leader. {@link
 * #withRetry} reruns a transaction cut by a failover.
 */
public final class SpringExample {

  private SpringExample() {}

  /** A Spring context over the cluster at {@code url}. */
  public static AnnotationConfigApplicationContext context(
      String url, String user, String password) {
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(
        PatroniHikariDataSource.class, () -> new PatroniHikariDataSource(url, user, password));
    context.register(AppConfig.class);
    context.refresh();
    return context;
  }

  /** The application's wiring. */
  @Configuration
  @EnableTransactionManagement
  public static class AppConfig {

    /** Writes go to the write pool; read-only transactions to the read pool. */
    @Bean
    @Primary
    public DataSource dataSource(PatroniHikariDataSource patroni) {
      LazyConnectionDataSourceProxy proxy = new LazyConnectionDataSourceProxy(patroni);
      proxy.setReadOnlyDataSource(patroni.readOnly());
      return proxy;
    }

    /** Transactions over the lazy proxy, so readOnly is known before a connection is taken. */
    @Bean
    public PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }

    /** Queries. */
    @Bean
    public JdbcTemplate jdbcTemplate(DataSource dataSource) {
      return new JdbcTemplate(dataSource);
    }

    /** The service. */
    @Bean
    public GreetingService greetingService(JdbcTemplate jdbc) {
      return new GreetingService(jdbc);
    }
  }

  /** A service with a read-only method and a writing one. */
  public static class GreetingService {
    private final JdbcTemplate jdbc;

    /** A service over {@code jdbc}. */
    public GreetingService(JdbcTemplate jdbc) {
      this.jdbc = jdbc;
    }

    /** Runs on a replica. */
    @Transactional(readOnly = true)
    public ServerInfo whereDoReadsRun() {
      return jdbc.queryForObject(
          "SELECT inet_server_port(), pg_is_in_recovery()",
          (rs, i) -> new ServerInfo(rs.getInt(1), rs.getBoolean(2)));
    }

    /** Runs on the leader: two inserts in one transaction, {@code midway} between them. */
    @Transactional
    public ServerInfo saveTwo(String text, Runnable midway) {
      jdbc.execute(
          "CREATE TABLE IF NOT EXISTS greetings (id serial PRIMARY KEY, text text NOT NULL)");
      jdbc.update("INSERT INTO greetings (text) VALUES (?)", text + " (1/2)");
      midway.run();
      jdbc.update("INSERT INTO greetings (text) VALUES (?)", text + " (2/2)");
      return jdbc.queryForObject(
          "SELECT inet_server_port(), pg_is_in_recovery()",
          (rs, i) -> new ServerInfo(rs.getInt(1), rs.getBoolean(2)));
    }
  }

  /**
   * Reruns {@code transaction} (up to {@code attempts} times) when it failed because its connection
   * was lost before COMMIT (SQLState class 08 or 57P01-57P03); never after 08007 (COMMIT's outcome
   * unknown) or 08001 (no member in time).
   */
  public static <T> T withRetry(int attempts, AtomicInteger tries, Supplier<T> transaction) {
    for (int attempt = 1; ; attempt++) {
      tries.incrementAndGet();
      try {
        return transaction.get();
      } catch (RuntimeException e) {
        if (attempt >= attempts || !connectionLost(e)) {
          throw e;
        }
      }
    }
  }

  private static boolean connectionLost(Throwable e) {
    for (Throwable t = e; t != null; t = next(t)) {
      if (t instanceof SQLException sql) {
        String state = String.valueOf(sql.getSQLState());
        if (state.equals("08007") || state.equals("08001")) {
          return false;
        }
        if (state.startsWith("08") || state.matches("57P0[123]")) {
          return true;
        }
      }
    }
    return false;
  }

  private static Throwable next(Throwable t) {
    if (t instanceof TransactionSystemException tse
        && tse.getApplicationException() != null
        && t.getCause() == null) {
      return tse.getApplicationException();
    }
    return t.getCause();
  }
}
