from screening.highlight import highlight, parse_terms


def test_it_parses_comma_and_line_separated_terms():
    assert parse_terms("ketamine, randomi*\n chronic  pain ;;") == (
        "ketamine",
        "randomi*",
        "chronic pain",
    )


def test_it_marks_include_and_exclude_terms_and_escapes_the_rest():
    html = highlight(
        "A <b>randomised</b> trial of Ketamine in rats and chronic   pain",
        ("ketamine", "randomi*", "chronic pain"),
        ("rats",),
    )
    assert html == (
        'A &lt;b&gt;<mark class="hl-include">randomised</mark>&lt;/b&gt; trial of '
        '<mark class="hl-include">Ketamine</mark> in <mark class="hl-exclude">rats</mark> and '
        '<mark class="hl-include">chronic   pain</mark>'
    )


def test_it_matches_whole_words_only():
    assert "mark" not in highlight("pirates", (), ("rats",))


def test_without_terms_it_only_escapes():
    assert highlight("a < b", (), ()) == "a &lt; b"
