package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.sql.DriverPropertyInfo;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.PatroniConfig;

/** The property enum checks itself, as pgjdbc's PGProperty does. */
class PatroniPropertyTest {

  @Test
  void constantsAreSortedByName() {
    List<String> names = Arrays.stream(PatroniProperty.values()).map(Enum::name).toList();
    assertThat(names).isSorted();
  }

  @Test
  void eachPropertyNameIsTheCamelCaseOfItsConstant() {
    for (PatroniProperty p : PatroniProperty.values()) {
      String camel = p.getName().replaceAll("([A-Z])", "_$1").toUpperCase(Locale.ROOT);
      assertThat(camel).as(p.getName()).isEqualTo(p.name());
      assertThat(PatroniProperty.forName(p.getName())).contains(p);
    }
  }

  @Test
  void everyPropertyHasADescriptionAndItsDefaultIsOneOfItsChoices() {
    for (PatroniProperty p : PatroniProperty.values()) {
      assertThat(p.getDescription()).as(p.getName()).isNotBlank();
      if (!p.getChoices().isEmpty()) {
        assertThat(p.getChoices()).as(p.getName()).contains(p.getDefaultValue());
      }
    }
  }

  @Test
  void defaultsParse() {
    assertThatCode(
            () -> PatroniConfig.parse("jdbc:patroni:postgresql://h1,h2/db", new Properties()))
        .doesNotThrowAnyException();
  }

  @Test
  void driverPropertyInfoListsEveryProperty() {
    DriverPropertyInfo[] info =
        new PatroniDriver().getPropertyInfo("jdbc:patroni:postgresql://h/db", new Properties());
    assertThat(info).hasSize(PatroniProperty.values().length);
    assertThat(info[0].name).isEqualTo(PatroniProperty.values()[0].getName());
  }
}
