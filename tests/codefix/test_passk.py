import pytest

from codefix.core.passk import mean_pass_at_k, pass_at_k


def test_no_success_is_zero():
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 0, 10) == 0.0


def test_all_success_is_one():
    assert pass_at_k(10, 10, 1) == 1.0


def test_known_values():
    assert pass_at_k(10, 1, 1) == pytest.approx(0.1)
    # 1 - C(8,2)/C(10,2) = 1 - 28/45
    assert pass_at_k(10, 2, 2) == pytest.approx(17 / 45)
    assert pass_at_k(5, 2, 4) == 1.0


def test_mean_over_instances():
    assert mean_pass_at_k([(10, 10), (10, 0)], 1) == pytest.approx(0.5)
    assert mean_pass_at_k([(2, 1)], 5) == pytest.approx(1.0)


def test_bad_arguments():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 0)
