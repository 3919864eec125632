"""`commentsvc sites set` and `sites list`: SSO keys and modes per site, shown back without the secrets."""

import pytest
from sso_support import SECRET, ec_private_key, public_pem


def invoke(runner, *args):
    return runner.invoke(args=["sites", *args])


def test_sites_list_says_when_no_site_has_settings(runner):
    assert invoke(runner, "list").output == "no site settings.\n"


def test_setting_a_secret_makes_an_anonymous_site_sso_optional_and_never_shows_the_secret(runner):
    invoke(runner, "set", "news", "--sso-secret", SECRET, "--login-url", "https://news.example.com/login")
    listed = invoke(runner, "list").output
    assert "news\tsso-optional\tsecret set\thttps://news.example.com/login\toff\t86400\tnever" in listed
    assert SECRET not in listed


def test_a_public_key_file_sets_an_es256_key(runner, tmp_path):
    key_file = tmp_path / "sso.pem"
    key_file.write_text(public_pem(ec_private_key()))
    result = invoke(runner, "set", "news", "--sso-public-key", str(key_file), "--sso-mode", "sso-required")
    assert result.exit_code == 0, result.output
    assert "news\tsso-required\tpublic key set" in result.output


def test_signed_articles_and_auto_close_are_site_settings(runner):
    invoke(runner, "set", "news", "--sso-secret", SECRET)
    result = invoke(runner, "set", "news", "--require-signed-articles", "on", "--auto-close-days", "7")
    assert result.output.strip().endswith("on\t86400\t7")
    assert invoke(runner, "set", "news", "--auto-close-days", "never").output.strip().endswith("never")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sso-mode", "sso-required"], "needs an SSO secret or public key"),
        (["--sso-secret", "short"], "at least 32 characters"),
        (["--sso-public-key", "/nonexistent/key.pem"], "cannot read the public key file"),
        (["--sso-secret", SECRET, "--sso-public-key", "k.pem"], "not both"),
        (["--login-url", "javascript:alert(1)"], "login URL must be an http(s) address"),
        (["--auto-close-days", "soon"], "number of days or 'never'"),
        (["--require-signed-articles", "on"], "need the site's SSO key"),
        (["--sso-edit-window", "0"], "sso_edit_window must be a whole number"),
    ],
)
def test_bad_settings_are_refused_in_one_line(runner, args, message):
    result = invoke(runner, "set", "news", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_public_key_that_is_not_a_key_is_refused_in_one_line(runner, tmp_path):
    key_file = tmp_path / "not-a-key.pem"
    key_file.write_text("hello")
    result = invoke(runner, "set", "news", "--sso-public-key", str(key_file))
    assert result.exit_code == 1
    assert result.output.strip() == "Error: The SSO public key is not a PEM public key."


def test_a_refused_change_leaves_the_site_as_it_was(runner):
    invoke(runner, "set", "news", "--sso-secret", SECRET)
    invoke(runner, "set", "news", "--sso-mode", "sso-required", "--login-url", "nope")
    assert "news\tsso-optional\tsecret set\t-" in invoke(runner, "list").output
