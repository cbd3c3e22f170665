package org.patronijdbc.spring.boot;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.orm.jpa.AbstractEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaDialect;
import org.springframework.util.ClassUtils;

/**
 * When {@code spring.datasource.url} is a {@code jdbc:patroni:} URL (and the application defines no
 * {@code DataSource} of its own): a {@link PatroniHikariDataSource} configured from {@code
 * spring.datasource.*}, {@code spring.datasource.hikari.*} and {@code patroni.*}, and the
 * application's {@code DataSource} over it, which runs read-only transactions on the read pools.
 * Exceptions a failover causes are translated into ones Spring retries.
 */
@AutoConfiguration(before = DataSourceAutoConfiguration.class)
@ConditionalOnClass({PatroniHikariDataSource.class, HikariConfig.class})
@Conditional(PatroniDataSourceAutoConfiguration.OnPatroniUrl.class)
@ConditionalOnMissingBean(DataSource.class)
@EnableConfigurationProperties(PatroniProperties.class)
public final class PatroniDataSourceAutoConfiguration {

  static final String URL = "spring.datasource.url";

  /**
   * The pools. Not a default candidate for {@code DataSource} injection (that is {@link
   * #dataSource}); inject it by name, or {@code unwrap(PatroniHikariDataSource.class)}.
   */
  @Bean(destroyMethod = "close", defaultCandidate = false)
  PatroniHikariDataSource patroniDataSource(
      Environment environment,
      PatroniProperties properties,
      ObjectProvider<PoolCustomizer> customizers) {
    HikariConfig config = new HikariConfig();
    Binder binder = Binder.get(environment);
    binder.bind("spring.datasource.hikari", Bindable.ofInstance(config));
    config.setJdbcUrl(environment.getProperty(URL));
    binder.bind("spring.datasource.username", String.class).ifBound(config::setUsername);
    binder.bind("spring.datasource.password", String.class).ifBound(config::setPassword);
    properties.connectionProperties().forEach(config::addDataSourceProperty);
    customizers.orderedStream().forEach(c -> c.customize(config));
    Integer readPoolSize = properties.getReadPoolSize();
    return readPoolSize == null
        ? new PatroniHikariDataSource(config)
        : new PatroniHikariDataSource(config, readPoolSize);
  }

  /** The application's data source: read-only transactions on replicas, the rest on the leader. */
  @Bean
  @Primary
  PatroniRoutingDataSource dataSource(
      @Qualifier("patroniDataSource") PatroniHikariDataSource patroni) {
    HikariDataSource writes = patroni.writePool();
    return new PatroniRoutingDataSource(
        patroni, writes.isAutoCommit(), isolation(writes.getTransactionIsolation()));
  }

  /** Used by the auto-configured {@code JdbcTemplate}, transaction managers and JPA. */
  @Bean
  @ConditionalOnMissingBean(SQLExceptionTranslator.class)
  PatroniSqlExceptionTranslator patroniSqlExceptionTranslator() {
    return new PatroniSqlExceptionTranslator();
  }

  @Bean
  static BeanPostProcessor patroniExceptionTranslation(
      ObjectProvider<SQLExceptionTranslator> translator) {
    boolean jpa =
        ClassUtils.isPresent("org.springframework.orm.jpa.vendor.HibernateJpaDialect", null);
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof JdbcTransactionManager tm) {
          translator.ifUnique(tm::setExceptionTranslator);
        } else if (jpa) {
          Jpa.translate(bean, translator);
        }
        return bean;
      }
    };
  }

  /** Apart, so that it is loaded only where JPA is. */
  private static final class Jpa {
    static void translate(Object bean, ObjectProvider<SQLExceptionTranslator> translator) {
      if (bean instanceof AbstractEntityManagerFactoryBean emf
          && emf.getJpaDialect() instanceof HibernateJpaDialect dialect) {
        translator.ifUnique(dialect::setJdbcExceptionTranslator);
      }
    }
  }

  /** Hikari metrics for every pool, the read pools that come and go included. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, MicrometerMetricsTrackerFactory.class})
  static class PoolMetrics {
    @Bean
    PoolCustomizer patroniPoolMetrics(ObjectProvider<MeterRegistry> registry) {
      return config -> {
        MeterRegistry r = registry.getIfUnique();
        if (r != null
            && config.getMetricRegistry() == null
            && config.getMetricsTrackerFactory() == null) {
          config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(r));
        }
      };
    }
  }

  /** Changes the pools' configuration before they start. */
  @FunctionalInterface
  interface PoolCustomizer {
    void customize(HikariConfig config);
  }

  /**
   * How long a connection waits for a new leader: {@code patroni.failover-timeout}, else the URL's
   * {@code failoverTimeoutMs}, else the pool's connection timeout (as the data source decides).
   */
  static Duration failoverTimeout(
      Environment environment, PatroniProperties properties, PatroniHikariDataSource patroni) {
    if (properties.getFailoverTimeout() != null) {
      return properties.getFailoverTimeout();
    }
    Matcher m =
        Pattern.compile("[?&]failoverTimeoutMs=(\\d{1,9})(&|$)")
            .matcher(environment.getProperty(URL, ""));
    if (m.find()) {
      return Duration.ofMillis(Long.parseLong(m.group(1)));
    }
    return Duration.ofMillis(patroni.writePool().getConnectionTimeout());
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

  /** {@code spring.datasource.url} starts with {@code jdbc:patroni:}. */
  static final class OnPatroniUrl extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      String url = context.getEnvironment().getProperty(URL, "");
      return url.startsWith("jdbc:patroni:")
          ? ConditionOutcome.match(URL + " is a jdbc:patroni: URL")
          : ConditionOutcome.noMatch(URL + " is not a jdbc:patroni: URL");
    }
  }
}
