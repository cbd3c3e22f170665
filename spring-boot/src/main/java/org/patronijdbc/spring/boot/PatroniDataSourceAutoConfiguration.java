package org.patronijdbc.spring.boot;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.PatroniProperty;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.internal.Engine;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * When {@code spring.datasource.url} is a {@code jdbc:patroni:} URL (and the application defines no
 * {@code DataSource} of its own): a {@link PatroniHikariDataSource} configured from {@code
 * spring.datasource.*}, {@code spring.datasource.hikari.*} and {@code patroni.*}, and the
 * application's {@code DataSource} over it ({@link PatroniRoutingDataSource}), which runs read-only
 * transactions on the read pools. Exceptions a failover causes are translated into ones Spring can
 * act on.
 */
@AutoConfiguration(
    beforeName = {
      PatroniDataSourceAutoConfiguration.DATA_SOURCE_4,
      PatroniDataSourceAutoConfiguration.DATA_SOURCE_3
    })
@ConditionalOnClass({PatroniHikariDataSource.class, HikariConfig.class})
@Conditional(PatroniDataSourceAutoConfiguration.OnPatroniUrl.class)
@ConditionalOnMissingBean(DataSource.class)
@EnableConfigurationProperties(PatroniProperties.class)
public final class PatroniDataSourceAutoConfiguration {

  static final String URL = "spring.datasource.url";

  /** Spring Boot 4's {@code DataSourceAutoConfiguration}. */
  static final String DATA_SOURCE_4 =
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration";

  /** Spring Boot 3's. */
  static final String DATA_SOURCE_3 =
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration";

  /**
   * The application's data source over the pools: read-only transactions on replicas, the rest on
   * the leader. Closing it closes the pools.
   */
  @Bean
  PatroniRoutingDataSource dataSource(Environment environment, PatroniProperties properties) {
    HikariConfig config = new HikariConfig();
    Binder binder = Binder.get(environment);
    binder.bind("spring.datasource.hikari", Bindable.ofInstance(config));
    String url = environment.getProperty(URL);
    config.setJdbcUrl(url);
    binder.bind("spring.datasource.username", String.class).ifBound(config::setUsername);
    binder.bind("spring.datasource.password", String.class).ifBound(config::setPassword);
    properties.connectionProperties().forEach(config::addDataSourceProperty);
    Duration failoverTimeout = failoverTimeout(url, config);
    Integer readPoolSize = properties.getReadPoolSize();
    PatroniHikariDataSource patroni =
        readPoolSize == null
            ? new PatroniHikariDataSource(config)
            : new PatroniHikariDataSource(config, readPoolSize);
    HikariDataSource writes = patroni.writePool();
    return new PatroniRoutingDataSource(
        patroni,
        writes.isAutoCommit(),
        isolation(writes.getTransactionIsolation()),
        failoverTimeout);
  }

  /**
   * {@code patroni.read-your-writes=session}: a web application's requests read what the user's
   * earlier requests committed (the position in the HTTP session, or a cookie).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "org.springframework.web.filter.OncePerRequestFilter")
  @ConditionalOnProperty(name = "patroni.read-your-writes", havingValue = "session")
  static class ReadYourWritesSession {
    @Bean
    ReadPositionFilter patroniReadPositionFilter(PatroniRoutingDataSource dataSource)
        throws SQLException {
      return new ReadPositionFilter(
          dataSource
              .getPatroniDataSource()
              .unwrap(PatroniDataSource.class)
              .unwrap(Engine.class)
              .readYourWrites());
    }
  }

  /** Used by the auto-configured {@code JdbcTemplate}, {@code JdbcClient} and JPA. */
  @Bean
  @ConditionalOnMissingBean(SQLExceptionTranslator.class)
  PatroniSqlExceptionTranslator patroniSqlExceptionTranslator() {
    return new PatroniSqlExceptionTranslator();
  }

  /**
   * Spring Boot hands the translator to {@code JdbcTemplate} and JPA, not to the {@code
   * JdbcTransactionManager}, whose commit and rollback failures it would then not translate.
   */
  @Bean
  static BeanPostProcessor patroniTransactionManagerTranslation(
      ObjectProvider<SQLExceptionTranslator> translator) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof JdbcTransactionManager tm
            && tm.getDataSource() instanceof PatroniRoutingDataSource) {
          translator.ifUnique(tm::setExceptionTranslator);
        }
        return bean;
      }
    };
  }

  /**
   * How long a connection waits for a new leader, as the driver decides it: the URL's {@code
   * failoverTimeoutMs}, else the one in the data source properties ({@code
   * patroni.failover-timeout} among them), else the pool's connection timeout.
   */
  static Duration failoverTimeout(String url, HikariConfig config) {
    String name = PatroniProperty.FAILOVER_TIMEOUT_MS.getName();
    Matcher m = Pattern.compile("[?&]" + name + "=(\\d{1,9})(&|$)").matcher(url);
    if (m.find()) {
      return Duration.ofMillis(Long.parseLong(m.group(1)));
    }
    Object set = config.getDataSourceProperties().get(name);
    if (set != null && set.toString().matches("\\d{1,9}")) {
      return Duration.ofMillis(Long.parseLong(set.toString()));
    }
    return Duration.ofMillis(config.getConnectionTimeout());
  }

  private static Integer isolation(String name) {
    if (name == null) {
      return null;
    }
    return switch (name.replace("TRANSACTION_", "")) {
      case "READ_UNCOMMITTED" -> Connection.TRANSACTION_READ_UNCOMMITTED;
      case "REPEATABLE_READ" -> Connection.TRANSACTION_REPEATABLE_READ;
      case "SERIALIZABLE" -> Connection.TRANSACTION_SERIALIZABLE;
      default -> Connection.TRANSACTION_READ_COMMITTED;
    };
  }

  /**
   * {@code spring.datasource.url} starts with {@code jdbc:patroni:}, and the application did not
   * exclude Spring Boot's {@code DataSourceAutoConfiguration}: an application that excludes it
   * wants no auto-configured data source, so it gets none from here either.
   */
  static final class OnPatroniUrl extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      if (context.getBeanFactory() != null
          && ConditionEvaluationReport.get(context.getBeanFactory()).getExclusions().stream()
              .anyMatch(c -> c.equals(DATA_SOURCE_4) || c.equals(DATA_SOURCE_3))) {
        return ConditionOutcome.noMatch("DataSourceAutoConfiguration is excluded");
      }
      String url = context.getEnvironment().getProperty(URL, "");
      return url.startsWith("jdbc:patroni:")
          ? ConditionOutcome.match(URL + " is a jdbc:patroni: URL")
          : ConditionOutcome.noMatch(URL + " is not a jdbc:patroni: URL");
    }
  }
}
