package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.patronijdbc.spring.boot.PatroniRoutingDataSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code @AutoConfigureTestDatabase(replace = NONE)}: the slice keeps the application's data
 * source, the starter's, on a real cluster.
 */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class GreetingSliceIT {

  @DynamicPropertySource
  static void cluster(DynamicPropertyRegistry registry) {
    TestCluster.CLUSTER
        .springBootProperties("postgres")
        .forEach((k, v) -> registry.add(k, () -> v));
  }

  @Autowired GreetingRepository greetings;
  @Autowired DataSource dataSource;

  @Test
  void theSliceKeepsThePatroniDataSource() throws Exception {
    assertThat(dataSource).isInstanceOf(PatroniRoutingDataSource.class);
    long id = greetings.save(new Greeting("hello from a slice on the cluster")).getId();
    assertThat(greetings.findById(id)).isPresent();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
      rs.next();
      assertThat(rs.getBoolean(1)).isFalse(); // the slice's transaction is read-write: the leader
    }
  }
}
