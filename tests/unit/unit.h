/* What every cmocka program here ends with: main runs the listed tests. */
#ifndef TETHER_TEST_UNIT_H
#define TETHER_TEST_UNIT_H

#define UNIT_MAIN(...)                                                                                       \
  int main (void)                                                                                            \
  {                                                                                                          \
    const struct CMUnitTest tests[] = { __VA_ARGS__ };                                                      \
    return cmocka_run_group_tests (tests, NULL, NULL);                                                       \
  }

#endif
