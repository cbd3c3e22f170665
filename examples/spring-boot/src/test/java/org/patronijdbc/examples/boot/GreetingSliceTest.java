package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.test.context.TestPropertySource;

/**
 * A test slice, as applications on the starter write them: {@code @DataJpaTest} replaces the
 * application's data source (here the {@code jdbc:patroni:} one of application.properties) with an
 * embedded database, and needs no cluster.
 */
@DataJpaTest
@TestPropertySource(properties = "spring.flyway.enabled=false")
class GreetingSliceTest {

  @Autowired GreetingRepository greetings;
  @Autowired DataSource dataSource;

  @Test
  void theSliceRunsOnTheEmbeddedDatabase() throws Exception {
    long id = greetings.save(new Greeting("hello from a slice")).getId();

    assertThat(greetings.findById(id)).map(Greeting::getText).hasValue("hello from a slice");
    try (var c = dataSource.getConnection()) {
      assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("H2");
    }
  }
}
