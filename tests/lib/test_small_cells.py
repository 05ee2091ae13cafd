from tierslien.lib.small_cells import suppress


def test_a_lone_hidden_count_hides_the_next_smallest_too() -> None:
    assert suppress([20, 12, 3]) == [20, None, None]
    assert suppress([20, 12, 0]) == [20, 12, None]  # zero reveals nobody
    assert suppress([11, 11, 11]) == [11, 11, 11]
    assert suppress([5, 4, 2]) == [None, None, None]
