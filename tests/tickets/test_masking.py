from hypothesis import given
from hypothesis import strategies as st

from hotline.tickets.masking import mask_address, mask_email, mask_id_number, mask_name, mask_phone


def test_masks_look_as_staff_expect():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert mask_id_number("110101199001011234") == "110***********1234"
    assert mask_address("江州市东湖区东湖路1号").endswith("****")


@given(st.text(alphabet=st.characters(blacklist_characters="*"), min_size=2, max_size=40))
def test_a_mask_never_returns_the_value_itself(value):
    for mask in (mask_name, mask_phone, mask_email, mask_id_number, mask_address):
        assert mask(value) != value
