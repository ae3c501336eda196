// Errors as values: a Result<T> holds either a T or an Error with a one-line message.
// TRY(expr) unwraps a Result or returns its Error from the enclosing function (GNU statement
// expression, as SerenityOS's TRY; g++ and clang both accept it).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace spicebox {

struct Error {
    std::string message;
};

// Prefixes an error with the context it travelled through ("loading kernel: " + message).
inline Error wrap_error(std::string context, Error error)
{
    return Error { std::move(context) + ": " + error.message };
}

template<typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_value(std::in_place_index<0>, std::move(value)) { }
    Result(Error error) : m_value(std::in_place_index<1>, std::move(error)) { }

    bool ok() const { return m_value.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return checked_value(); }
    const T& value() const& { return const_cast<Result*>(this)->checked_value(); }
    T&& value() && { return std::move(checked_value()); }
    T* operator->() { return &checked_value(); }
    T& operator*() { return checked_value(); }

    const Error& error() const& { return std::get<1>(m_value); }
    Error&& error() && { return std::get<1>(std::move(m_value)); }
    // The error's message, or nothing when the Result holds a value: for messages built before the
    // outcome is known (test assertions evaluate theirs either way).
    std::string error_message() const { return ok() ? std::string() : error().message; }

private:
    T& checked_value()
    {
        if (!ok()) {
            // Reading the value of a failed Result is a programming error, not a runtime one.
            std::fprintf(stderr, "spicebox: internal error: value of failed Result: %s\n", error().message.c_str());
            std::abort();
        }
        return std::get<0>(m_value);
    }

    std::variant<T, Error> m_value;
};

template<>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) { }

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    void value() const { }
    const Error& error() const& { return m_error; }
    Error&& error() && { return std::move(m_error); }
    std::string error_message() const { return m_error.message; }

private:
    Error m_error;
    bool m_failed { false };
};

} // namespace spicebox

#define TRY(expr)                                   \
    ({                                              \
        auto _try_result = (expr);                  \
        if (!_try_result.ok())                      \
            return std::move(_try_result).error();  \
        std::move(_try_result).value();             \
    })
