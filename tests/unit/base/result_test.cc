#include "base/result.h"

#include <doctest/doctest.h>

using namespace spicebox;

namespace {

Result<int> parse_digit(char c)
{
    if (c < '0' || c > '9')
        return Error { std::string("not a digit: ") + c };
    return c - '0';
}

Result<int> sum_digits(const char* text)
{
    int sum = 0;
    for (; *text; ++text)
        sum += TRY(parse_digit(*text));
    return sum;
}

}

TEST_CASE("Result carries a value or an error and TRY propagates the error")
{
    CHECK(sum_digits("123").value() == 6);
    auto failed = sum_digits("1x3");
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message == "not a digit: x");
    CHECK(wrap_error("parsing", failed.error()).message == "parsing: not a digit: x");
}
