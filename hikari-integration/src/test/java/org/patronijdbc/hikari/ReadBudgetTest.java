package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The read pools share one budget, the read pool size, at least one connection each. */
class ReadBudgetTest {

  @Test
  void theBudgetIsSharedAsEvenlyAsItGoes() {
    assertThat(ReadBudget.shares(List.of("n2", "n3"), 10)).isEqualTo(Map.of("n2", 5, "n3", 5));
    assertThat(ReadBudget.shares(List.of("n2", "n3", "n4"), 10))
        .isEqualTo(Map.of("n2", 4, "n3", 3, "n4", 3));
    assertThat(ReadBudget.shares(List.of("n1"), 10)).isEqualTo(Map.of("n1", 10));
  }

  @Test
  void everyReaderKeepsOneConnectionEvenWhenReadersOutnumberTheBudget() {
    Map<String, Integer> shares = ReadBudget.shares(List.of("a", "b", "c"), 2);

    assertThat(shares).isEqualTo(Map.of("a", 1, "b", 1, "c", 1));
  }

  @Test
  void noReadersNoShares() {
    assertThat(ReadBudget.shares(List.of(), 10)).isEmpty();
  }
}
