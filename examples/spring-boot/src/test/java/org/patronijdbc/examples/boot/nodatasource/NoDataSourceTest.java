package org.patronijdbc.examples.boot.nodatasource;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

/**
 * An application that excludes Spring Boot's {@code DataSourceAutoConfiguration} wants no
 * auto-configured data source: the starter gives none either, though the URL is a {@code
 * jdbc:patroni:} one. (A package of its own: test slices look for the application class in theirs.)
 */
@SpringBootTest(
    classes = NoDataSourceTest.WithoutDataSource.class,
    webEnvironment = SpringBootTest.WebEnvironment.NONE)
class NoDataSourceTest {

  /** An application without a data source. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(exclude = DataSourceAutoConfiguration.class)
  static class WithoutDataSource {}

  @Autowired ApplicationContext context;

  @Test
  void theStarterBacksOff() {
    assertThat(context.getBeansOfType(DataSource.class)).isEmpty();
  }
}
